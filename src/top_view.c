// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * top_view.c - the terminal of `vigil top` (top_view.h).
 */
#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "top_view.h"

#define KEY_ESC 27
#define MAX_WIDTH 1024		/* wider terminals get this many columns */

static const char footer_help[] =
	"c cpu  s sysc  r runq  i io  n net  w writes  a anom  p pid  / filter  q quit";

void vg_top_ui_init(struct vg_top_ui *ui, enum vg_top_sort sort, const char *filter)
{
	memset(ui, 0, sizeof(*ui));
	ui->sort = sort;
	if (filter)
		snprintf(ui->filter, sizeof(ui->filter), "%s", filter);
	ui->page = 1;
}

static enum vg_top_key_result edit_key(struct vg_top_ui *ui, int key)
{
	size_t n = strlen(ui->filter);

	switch (key) {
	case '\n':
	case '\r':
	case KEY_ENTER:
		ui->editing = false;
		return VG_TOP_KEY_REDRAW;
	case KEY_ESC:
		ui->editing = false;
		ui->filter[0] = '\0';
		return VG_TOP_KEY_REDRAW;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (n)
			ui->filter[n - 1] = '\0';
		ui->scroll = 0;
		return VG_TOP_KEY_REDRAW;
	default:
		if (key < 0x20 || key >= 0x7f || n + 1 >= sizeof(ui->filter))
			return VG_TOP_KEY_NONE;
		ui->filter[n] = (char)key;
		ui->filter[n + 1] = '\0';
		ui->scroll = 0;
		return VG_TOP_KEY_REDRAW;
	}
}

enum vg_top_key_result vg_top_ui_key(struct vg_top_ui *ui, int key)
{
	int s, page = ui->page > 1 ? ui->page : 1;

	if (key == KEY_RESIZE)
		return VG_TOP_KEY_REDRAW;
	if (ui->editing)
		return edit_key(ui, key);
	switch (key) {
	case 'q':
	case 'Q':
		return VG_TOP_KEY_QUIT;
	case '/':
		ui->editing = true;
		ui->filter[0] = '\0';
		ui->scroll = 0;
		return VG_TOP_KEY_REDRAW;
	case KEY_ESC:
		ui->filter[0] = '\0';
		ui->scroll = 0;
		return VG_TOP_KEY_REDRAW;
	case KEY_UP:
	case 'k':
		ui->scroll--;
		break;
	case KEY_DOWN:
	case 'j':
		ui->scroll++;
		break;
	case KEY_PPAGE:
		ui->scroll -= page;
		break;
	case KEY_NPAGE:
	case ' ':
		ui->scroll += page;
		break;
	case KEY_HOME:
		ui->scroll = 0;
		break;
	case KEY_END:
		ui->scroll = 1 << 30;	/* clamped when drawn */
		break;
	case 12:			/* ^L: the whole screen again */
		return VG_TOP_KEY_REDRAW;
	default:
		s = vg_top_sort_key(key);
		if (s < 0)
			return VG_TOP_KEY_NONE;
		ui->sort = (enum vg_top_sort)s;
		ui->scroll = 0;
		return VG_TOP_KEY_REDRAW;
	}
	if (ui->scroll < 0)
		ui->scroll = 0;
	return VG_TOP_KEY_REDRAW;
}

int vg_top_ui_start(struct vg_top_ui *ui)
{
	const char *cs;

	setlocale(LC_ALL, "");
	cs = nl_langinfo(CODESET);
	ui->utf8 = cs && !strcmp(cs, "UTF-8");
	/* newterm, not initscr: that one exits the program when TERM is unusable */
	ui->screen = newterm(NULL, stdout, stdin);
	if (!ui->screen)
		return -1;
	set_term(ui->screen);
	ui->started = true;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	leaveok(stdscr, TRUE);
	return 0;
}

void vg_top_ui_stop(struct vg_top_ui *ui)
{
	if (!ui->started)
		return;
	endwin();
	delscreen(ui->screen);
	ui->screen = NULL;
	ui->started = false;
}

enum vg_top_key_result vg_top_ui_read_keys(struct vg_top_ui *ui)
{
	enum vg_top_key_result best = VG_TOP_KEY_NONE, r;
	int key;

	while ((key = getch()) != ERR) {
		r = vg_top_ui_key(ui, key);
		if (r > best)
			best = r;
		if (best == VG_TOP_KEY_QUIT)
			break;
	}
	return best;
}

/* Text at (y, 0) with attributes; nothing when the line is off the screen. */
static void put_line(int y, const char *s, attr_t attr)
{
	if (y < 0 || y >= LINES)
		return;
	if (attr)
		attron(attr);
	mvaddstr(y, 0, s);
	if (attr)
		attroff(attr);
}

void vg_top_ui_draw(struct vg_top_ui *ui, struct vg_top *t, struct vg_top_status *st)
{
	static char line[MAX_WIDTH * 4 + 1];
	int width = COLS < MAX_WIDTH ? COLS : MAX_WIDTH, y, rows, max_scroll;
	struct vg_top_opts o = { .sort = ui->sort, .filter = ui->filter };
	size_t sort_at, sort_len;
	const char *lost;

	vg_top_view(t, &o);
	st->sort = ui->sort;
	st->filter = ui->filter;
	st->shown = t->n_view;
	st->total = t->n;
	rows = LINES - 3;		/* status, header, footer */
	if (rows < 0)
		rows = 0;
	ui->page = rows;
	max_scroll = (int)t->n_view > rows ? (int)t->n_view - rows : 0;
	if (ui->scroll > max_scroll)
		ui->scroll = max_scroll;

	erase();
	vg_top_fmt_status(line, width, st);
	put_line(0, line, A_BOLD);
	lost = strstr(line, "lost ");
	if (lost && st->lost)		/* losses stand out */
		mvchgat(0, (int)(lost - line), (int)strcspn(lost + 5, " ") + 5, A_REVERSE | A_BOLD,
			0, NULL);
	vg_top_fmt_header(line, width, ui->sort, &sort_at, &sort_len);
	put_line(1, line, A_REVERSE);
	if (sort_len && LINES > 1)
		mvchgat(1, (int)sort_at, (int)sort_len, A_BOLD | A_UNDERLINE, 0, NULL);
	for (y = 0; y < rows && ui->scroll + y < (int)t->n_view; y++) {
		vg_top_fmt_row(line, width, t->view[ui->scroll + y], ui->utf8);
		put_line(2 + y, line, t->view[ui->scroll + y]->gone ? A_DIM : 0);
	}
	if (LINES >= 3) {
		if (ui->editing)
			snprintf(line, sizeof(line), "filter (comm or exe; Enter: keep, Esc: clear): %s_",
				 ui->filter);
		else if (ui->message[0])
			snprintf(line, sizeof(line), "%s", ui->message);
		else
			snprintf(line, sizeof(line), "%s", footer_help);
		if ((int)strlen(line) > width)
			line[width] = '\0';
		put_line(LINES - 1, line, ui->editing ? A_BOLD : 0);
	}
	refresh();
}

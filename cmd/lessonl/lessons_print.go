package main

import (
	"io"
	"unicode/utf8"

	"github.com/lessonl/lessonl/vectorbank"
)

// statsCopies lists the lessons said more than once: each takes one
// selection slot, and `lessons rm` is how to drop the extra copies.
func statsCopies(w *errWriter, cs []vectorbank.Copies) {
	if len(cs) == 0 {
		return
	}
	n := 0
	for _, c := range cs {
		n += c.Copies
	}
	w.printf("said more than once (one selection slot each): %d %s in %d copies\n", len(cs), plural(len(cs), "lesson"), n)
	for i, c := range cs {
		if i == vectorbank.StatsHelped {
			w.printf("  ... and %d more (lessonl lessons stats --json lists them all)\n", len(cs)-i)
			break
		}
		w.printf("  %s  %d copies  %s\n", c.Lesson.ID, c.Copies, oneLine(c.Lesson.Text, 60))
	}
}

// printable passes text to a terminal without its control characters:
// lessons come from models and from other people's files, and an escape
// sequence in one could rewrite the screen or the terminal's title. It
// keeps newlines and tabs, drops the other C0 controls, DEL and the C1
// controls (U+0080-U+009F), and replaces invalid UTF-8 with U+FFFD.
type printable struct {
	w    io.Writer
	tail []byte // an incomplete UTF-8 sequence at the end of the last write
}

func (p *printable) Write(b []byte) (int, error) {
	in := append(p.tail, b...)
	p.tail = nil
	out := make([]byte, 0, len(in))
	for len(in) > 0 {
		r, size := utf8.DecodeRune(in)
		if r == utf8.RuneError && size <= 1 && !utf8.FullRune(in) {
			p.tail = append([]byte(nil), in...) // the rest comes with the next write
			break
		}
		switch {
		case r == '\n' || r == '\t':
			out = append(out, byte(r))
		case dropControl(r) < 0:
		case r == utf8.RuneError && size == 1:
			out = utf8.AppendRune(out, utf8.RuneError)
		default:
			out = append(out, in[:size]...)
		}
		in = in[size:]
	}
	if _, err := p.w.Write(out); err != nil {
		return 0, err
	}
	return len(b), nil
}

// dropControl maps the control characters printable drops to -1 (for
// strings.Map), tabs and newlines to spaces, and keeps the rest.
func dropControl(r rune) rune {
	switch {
	case r == '\n' || r == '\t':
		return ' '
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
		return -1
	}
	return r
}

package handlers

import (
	"errors"
	"strings"
	"testing"

	"go.lsp.dev/protocol"
)

func pos(l, c uint32) protocol.Position { return protocol.Position{Line: l, Character: c} }

func TestOffset(t *testing.T) {
	// "é" is 2 bytes, 1 UTF-16 unit; "𝄞" is 4 bytes, 2 UTF-16 units, 1 rune.
	const text = "aé𝄞b\r\nx\ry\n\nlast"
	tests := []struct {
		name string
		enc  Encoding
		p    protocol.Position
		want int
		err  bool
	}{
		{"start", UTF16, pos(0, 0), 0, false},
		{"after é utf16", UTF16, pos(0, 2), 3, false},
		{"after 𝄞 utf16", UTF16, pos(0, 4), 7, false},
		{"inside surrogate pair lands on its start", UTF16, pos(0, 3), 3, false},
		{"after 𝄞 utf32", UTF32, pos(0, 3), 7, false},
		{"after 𝄞 utf8", UTF8, pos(0, 7), 7, false},
		{"utf8 inside a rune lands on its start", UTF8, pos(0, 5), 3, false},
		{"past line end clamps to it (before CRLF)", UTF16, pos(0, 99), 8, false},
		{"line after CRLF", UTF16, pos(1, 0), 10, false},
		{"lone CR ends a line", UTF16, pos(2, 0), 12, false},
		{"empty line", UTF16, pos(3, 0), 14, false},
		{"last line end", UTF16, pos(4, 4), 19, false},
		{"one past the last line at 0 is the end", UTF16, pos(5, 0), 19, false},
		{"past the end", UTF16, pos(6, 0), 0, true},
		{"one past the last line with a character", UTF16, pos(5, 1), 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDoc("file:///x.go", "/x.go", 1, true, text, tt.enc)
			got, err := d.Offset(tt.p)
			if tt.err {
				var pe *PositionError
				if !errors.As(err, &pe) {
					t.Fatalf("Offset(%v) = %d, %v; want a PositionError", tt.p, got, err)
				}
				if !strings.Contains(err.Error(), "outside") {
					t.Errorf("error %q does not say what is wrong", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Offset(%v) = %d, %v; want %d", tt.p, got, err, tt.want)
			}
		})
	}
}

func TestPositionRoundTrip(t *testing.T) {
	const text = "aé𝄞b\r\nx\ry\n\nlast"
	for _, enc := range []Encoding{UTF16, UTF8, UTF32} {
		d := NewDoc("file:///x.go", "/x.go", 1, true, text, enc)
		for off := 0; off <= len(text); off++ {
			if off < len(text) && !isRuneStart(text[off]) {
				continue
			}
			if off > 0 && text[off-1] == '\r' && off < len(text) && text[off] == '\n' {
				continue // between CR and LF is not a position
			}
			p := d.Position(off)
			back, err := d.Offset(p)
			if err != nil || back != off {
				t.Errorf("%v: offset %d -> %v -> %d, %v", enc, off, p, back, err)
			}
		}
	}
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

func TestPositionUnits(t *testing.T) {
	const text = "x := \"𝄞é\" // ok"
	tests := []struct {
		enc  Encoding
		off  int
		want protocol.Position
	}{
		{UTF16, strings.Index(text, "é"), pos(0, 8)},
		{UTF8, strings.Index(text, "é"), pos(0, 10)},
		{UTF32, strings.Index(text, "é"), pos(0, 7)},
		{UTF16, len(text) + 5, pos(0, 16)}, // clamped to the end
	}
	for _, tt := range tests {
		d := NewDoc("file:///x.go", "/x.go", 1, true, text, tt.enc)
		if got := d.Position(tt.off); got != tt.want {
			t.Errorf("%v Position(%d) = %v, want %v", tt.enc, tt.off, got, tt.want)
		}
	}
}

func TestApplyChanges(t *testing.T) {
	rng := func(l1, c1, l2, c2 uint32) *protocol.Range {
		return &protocol.Range{Start: pos(l1, c1), End: pos(l2, c2)}
	}
	tests := []struct {
		name    string
		text    string
		enc     Encoding
		changes []Change
		want    string
		clamped int
	}{
		{"insert", "ab\ncd", UTF16, []Change{{Range: rng(1, 1, 1, 1), Text: "X"}}, "ab\ncXd", 0},
		{"replace across lines", "ab\ncd", UTF16, []Change{{Range: rng(0, 1, 1, 1), Text: "-"}}, "a-d", 0},
		{"whole text", "ab", UTF16, []Change{{Text: "new"}}, "new", 0},
		{"in order", "", UTF16, []Change{{Range: rng(0, 0, 0, 0), Text: "a"}, {Range: rng(0, 1, 0, 1), Text: "b"}}, "ab", 0},
		{"after an emoji in utf16", "𝄞x", UTF16, []Change{{Range: rng(0, 2, 0, 3), Text: "y"}}, "𝄞y", 0},
		{"after an emoji in utf8", "𝄞x", UTF8, []Change{{Range: rng(0, 4, 0, 5), Text: "y"}}, "𝄞y", 0},
		{"append at one past the last line", "a\n", UTF16, []Change{{Range: rng(1, 0, 1, 0), Text: "b"}}, "a\nb", 0},
		{"out of range is clamped to the end", "ab", UTF16, []Change{{Range: rng(7, 0, 9, 0), Text: "!"}}, "ab!", 1},
		{"reversed range is swapped", "abc", UTF16, []Change{{Range: rng(0, 2, 0, 1), Text: "X"}}, "aXc", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, clamped := ApplyChanges(tt.text, tt.enc, tt.changes)
			if got != tt.want || len(clamped) != tt.clamped {
				t.Fatalf("ApplyChanges = %q (clamped %v), want %q (%d clamped)", got, clamped, tt.want, tt.clamped)
			}
		})
	}
}

func TestWants(t *testing.T) {
	tests := []struct {
		only []protocol.CodeActionKind
		kind protocol.CodeActionKind
		want bool
	}{
		{nil, protocol.CodeActionKindRefactorRewrite, true},
		{nil, protocol.CodeActionKindEmpty, true},
		{[]protocol.CodeActionKind{protocol.CodeActionKindRefactor}, protocol.CodeActionKindRefactorRewrite, true},
		{[]protocol.CodeActionKind{protocol.CodeActionKindRefactorRewrite}, protocol.CodeActionKindRefactorRewrite, true},
		{[]protocol.CodeActionKind{protocol.CodeActionKindQuickFix}, protocol.CodeActionKindRefactorRewrite, false},
		{[]protocol.CodeActionKind{"refactor.re"}, protocol.CodeActionKindRefactorRewrite, false},
		{[]protocol.CodeActionKind{protocol.CodeActionKindRefactor}, protocol.CodeActionKindEmpty, false},
	}
	for _, tt := range tests {
		if got := wants(tt.only, tt.kind); got != tt.want {
			t.Errorf("wants(%v, %q) = %v, want %v", tt.only, tt.kind, got, tt.want)
		}
	}
}

func TestFuncAt(t *testing.T) {
	src := "package p\n\n// Sum adds.\n// It loops.\nfunc Sum(xs []int) int {\n\ts := 0\n\tfor _, x := range xs {\n\t\ts += x\n\t}\n\treturn s\n}\n\nvar v = 1\n\nfunc (t *T) M() {}\n\ntype T struct{}\n"
	d := NewDoc("file:///p/p.go", "/p/p.go", 1, true, src, UTF16)
	tests := []struct {
		at   string
		want string
	}{
		{"s += x", "Sum"},
		{"// It loops", "Sum"},
		{"Sum adds", "Sum"},
		{"var v", ""},
		{"package p", ""},
		{"M() {}", "(*T).M"},
		{"type T", ""},
	}
	for _, tt := range tests {
		f, err := d.FuncAt(strings.Index(src, tt.at))
		got := ""
		if err == nil {
			got = f.Name
		}
		if got != tt.want {
			t.Errorf("FuncAt(%q) = %q (%v), want %q", tt.at, got, err, tt.want)
		}
	}
}

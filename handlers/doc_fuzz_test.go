package handlers

import (
	"testing"
	"unicode/utf8"

	"go.lsp.dev/protocol"
)

// FuzzPositions: whatever the text and however wild the client's ranges,
// converting positions never panics, stays inside the text, lands on
// character boundaries, and round-trips every boundary offset.
func FuzzPositions(f *testing.F) {
	f.Add("aé𝄞b\r\nx\ry\n\nlast", uint32(0), uint32(3), uint32(1), uint32(0), "Z", uint8(0))
	f.Add("", uint32(5), uint32(5), uint32(0), uint32(9), "", uint8(1))
	f.Add("\r\r\n\n\xff\xfe", uint32(1), uint32(2), uint32(3), uint32(1), "𝄞\r", uint8(2))
	f.Fuzz(func(t *testing.T, text string, l1, c1, l2, c2 uint32, insert string, e uint8) {
		enc := Encoding(e % 3)
		d := NewDoc("file:///f.go", "/f.go", 1, true, text, enc)
		for _, p := range []protocol.Position{{Line: l1 % 64, Character: c1 % 64}, {Line: l2 % 64, Character: c2 % 64}} {
			off, err := d.Offset(p)
			if err != nil {
				continue
			}
			if off < 0 || off > len(text) || off < len(text) && off > 0 && !utf8.RuneStart(text[off]) && utf8.ValidString(text) {
				t.Fatalf("Offset(%v) = %d in %q", p, off, text)
			}
		}
		for off := 0; off <= len(text); off++ {
			if off < len(text) && !utf8.RuneStart(text[off]) || off > 0 && off < len(text) && text[off-1] == '\r' && text[off] == '\n' {
				continue
			}
			if !utf8.ValidString(text) {
				break // invalid bytes have no agreed width in UTF-16
			}
			p := d.Position(off)
			if back, err := d.Offset(p); err != nil || back != off {
				t.Fatalf("%v: offset %d -> %v -> %d, %v in %q", enc, off, p, back, err, text)
			}
		}
		r := protocol.Range{Start: protocol.Position{Line: l1 % 64, Character: c1 % 64}, End: protocol.Position{Line: l2 % 64, Character: c2 % 64}}
		out, _ := ApplyChanges(text, enc, []Change{{Range: &r, Text: insert}})
		if len(out) < len(insert) {
			t.Fatalf("the inserted text was lost: %q", out)
		}
	})
}

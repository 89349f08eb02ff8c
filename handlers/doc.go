package handlers

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/lessonl/lessonl/exec"
)

// Encoding is the unit of LSP character offsets negotiated at initialize.
type Encoding int

const (
	UTF16 Encoding = iota // the LSP default; what VS Code and Neovim 0.7 send
	UTF8
	UTF32
)

func (e Encoding) String() string {
	switch e {
	case UTF8:
		return "utf-8"
	case UTF32:
		return "utf-32"
	default:
		return "utf-16"
	}
}

// Doc is an immutable snapshot of one document: an open editor buffer (Open,
// with the client's Version) or a file read from disk. Every change makes a
// new Doc, so a handler may keep using the one it got while edits arrive.
type Doc struct {
	URI     uri.URI
	Path    string // file system path
	Version int32  // the client's version; meaningful only when Open
	Open    bool
	Text    string
	Enc     Encoding

	linesOnce sync.Once
	lines     []int // byte offset of each line start

	funcsOnce sync.Once
	funcs     []*exec.Func
	funcsErr  error

	// edits caches the apply edits built on this snapshot: splicing and
	// diffing a large file is the costly part of a code action.
	edits sync.Map // editKey -> editEntry

	// lenses caches the code lenses built on this snapshot for one set of
	// results: editors ask again after every scroll and refresh.
	lenses sync.Map // lensKey -> []protocol.CodeLens
}

// NewDoc makes a snapshot.
func NewDoc(u uri.URI, path string, version int32, open bool, text string, enc Encoding) *Doc {
	return &Doc{URI: u, Path: path, Version: version, Open: open, Text: text, Enc: enc}
}

// lineStarts indexes line starts. A line ends at \n, \r\n or a lone \r, as
// the LSP specification says.
func (d *Doc) lineStarts() []int {
	d.linesOnce.Do(func() { d.lines = lineStarts(d.Text) })
	return d.lines
}

func lineStarts(text string) []int {
	ls := make([]int, 1, 64)
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '\n':
			ls = append(ls, i+1)
		case '\r':
			if i+1 < len(text) && text[i+1] == '\n' {
				i++
			}
			ls = append(ls, i+1)
		}
	}
	return ls
}

// lineBounds returns line l's start and its end before the line terminator.
func lineBounds(text string, ls []int, l int) (start, end int) {
	start = ls[l]
	end = len(text)
	if l+1 < len(ls) {
		end = ls[l+1]
		if end > start && text[end-1] == '\n' {
			end--
		}
		if end > start && text[end-1] == '\r' {
			end--
		}
	}
	return start, end
}

// PositionError is a position outside the document. Requests answer it with
// InvalidParams; a didChange clamps instead (it cannot answer).
type PositionError struct {
	Pos   protocol.Position
	Lines int
	URI   uri.URI
}

func (e *PositionError) Error() string {
	return fmt.Sprintf("position %d:%d is outside %s, which has %d lines (lines are 0-based): send a position inside the document",
		e.Pos.Line, e.Pos.Character, e.URI, e.Lines)
}

// Offset converts a position to a byte offset. A character past the end of
// its line means the end of the line (the specification's rule); a line past
// the last one is an error. A character in the middle of a multi-unit
// character lands on that character's start.
func (d *Doc) Offset(p protocol.Position) (int, error) {
	return offsetIn(d.Text, d.lineStarts(), d.Enc, p, d.URI)
}

func offsetIn(text string, ls []int, enc Encoding, p protocol.Position, u uri.URI) (int, error) {
	if int(p.Line) >= len(ls) {
		// One past the last line at character 0 is the end of the text, which
		// clients use to append.
		if int(p.Line) == len(ls) && p.Character == 0 {
			return len(text), nil
		}
		return 0, &PositionError{Pos: p, Lines: len(ls), URI: u}
	}
	start, end := lineBounds(text, ls, int(p.Line))
	want := int(p.Character)
	if enc == UTF8 {
		off := start + want
		if off > end {
			off = end
		}
		for off > start && off < len(text) && !utf8.RuneStart(text[off]) {
			off--
		}
		return off, nil
	}
	units := 0
	for i := start; i < end; {
		if units >= want {
			return i, nil
		}
		r, size := utf8.DecodeRuneInString(text[i:end])
		n := 1
		if enc == UTF16 && r >= 0x10000 {
			n = 2
		}
		if units+n > want {
			return i, nil // inside a surrogate pair: its start
		}
		units += n
		i += size
	}
	return end, nil
}

// Position converts a byte offset (clamped to the text) to a position.
func (d *Doc) Position(off int) protocol.Position {
	return positionIn(d.Text, d.lineStarts(), d.Enc, off)
}

func positionIn(text string, ls []int, enc Encoding, off int) protocol.Position {
	off = max(0, min(off, len(text)))
	l := sort.Search(len(ls), func(i int) bool { return ls[i] > off }) - 1
	start := ls[l]
	var units int
	switch enc {
	case UTF8:
		units = off - start
	case UTF32:
		units = utf8.RuneCountInString(text[start:off])
	default:
		for _, r := range text[start:off] {
			units++
			if r >= 0x10000 {
				units++
			}
		}
	}
	return protocol.Position{Line: uint32(l), Character: uint32(units)}
}

// Range converts byte offsets to a range.
func (d *Doc) Range(start, end int) protocol.Range {
	return protocol.Range{Start: d.Position(start), End: d.Position(end)}
}

// Offsets converts a range, refusing one that ends before it starts.
func (d *Doc) Offsets(r protocol.Range) (start, end int, err error) {
	if start, err = d.Offset(r.Start); err != nil {
		return 0, 0, err
	}
	if end, err = d.Offset(r.End); err != nil {
		return 0, 0, err
	}
	if end < start {
		return 0, 0, fmt.Errorf("range %d:%d-%d:%d ends before it starts", r.Start.Line, r.Start.Character, r.End.Line, r.End.Character)
	}
	return start, end, nil
}

// Lines is the number of lines.
func (d *Doc) Lines() int { return len(d.lineStarts()) }

// Funcs lists the document's functions, parsed once per snapshot: hovers,
// code actions and lenses on a large file must not re-parse it each time.
func (d *Doc) Funcs() ([]*exec.Func, error) {
	d.funcsOnce.Do(func() {
		d.funcs, d.funcsErr = exec.Funcs(d.Path, []byte(d.Text))
	})
	return d.funcs, d.funcsErr
}

// FuncAt returns the function around a byte offset: its body or signature,
// or the comment lines right above it.
func (d *Doc) FuncAt(off int) (*exec.Func, error) {
	fs, err := d.Funcs()
	if err != nil {
		return nil, err
	}
	i := sort.Search(len(fs), func(i int) bool { return fs[i].End >= off })
	if i == len(fs) {
		return nil, exec.ErrNoFunc
	}
	f := fs[i]
	if off >= f.Start {
		return f, nil
	}
	if d.inDocComment(off, f.Start) {
		return f, nil
	}
	return nil, exec.ErrNoFunc
}

// inDocComment reports whether every line from off's line to the line before
// start is a // comment: the function's doc comment.
func (d *Doc) inDocComment(off, start int) bool {
	ls := d.lineStarts()
	l := sort.Search(len(ls), func(i int) bool { return ls[i] > off }) - 1
	fl := sort.Search(len(ls), func(i int) bool { return ls[i] > start }) - 1
	if fl-l > 50 {
		return false
	}
	for ; l < fl; l++ {
		s, e := lineBounds(d.Text, ls, l)
		if !strings.HasPrefix(strings.TrimSpace(d.Text[s:e]), "//") {
			return false
		}
	}
	return true
}

// Func finds a function by name (as in exec.Target.Func).
func (d *Doc) Func(name string) (*exec.Func, error) {
	fs, err := d.Funcs()
	if err != nil {
		return nil, err
	}
	for _, f := range fs {
		if f.Name == name {
			return f, nil
		}
	}
	// The runner's matching knows receiver spellings and suggests close names.
	return exec.Locate(exec.Target{File: d.Path, Func: name, Source: []byte(d.Text)})
}

// Change is one content change of a didChange: a whole new text when Range
// is nil.
type Change struct {
	Range *protocol.Range
	Text  string
}

// ApplyChanges applies content changes in order. A range outside the text is
// clamped to it (a notification cannot be refused) and reported in clamped,
// so the server can log that client and server may now disagree.
func ApplyChanges(text string, enc Encoding, changes []Change) (out string, clamped []string) {
	for _, c := range changes {
		if c.Range == nil {
			text = c.Text
			continue
		}
		ls := lineStarts(text)
		start, err1 := offsetIn(text, ls, enc, c.Range.Start, "")
		end, err2 := offsetIn(text, ls, enc, c.Range.End, "")
		if err1 != nil || err2 != nil {
			if err1 != nil {
				start = len(text)
			}
			if err2 != nil {
				end = len(text)
			}
			clamped = append(clamped, fmt.Sprintf("%d:%d-%d:%d", c.Range.Start.Line, c.Range.Start.Character, c.Range.End.Line, c.Range.End.Character))
		}
		if end < start {
			start, end = end, start
			clamped = append(clamped, fmt.Sprintf("%d:%d-%d:%d (reversed)", c.Range.Start.Line, c.Range.Start.Character, c.Range.End.Line, c.Range.End.Character))
		}
		text = text[:start] + c.Text + text[end:]
	}
	return text, clamped
}

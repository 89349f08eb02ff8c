package vectorbank

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Exports are for people: a team keeps one in git and reviews it in pull
// requests. The default format is one lesson per line as a JSON object, keys
// in the order of Lesson's fields, lessons sorted oldest first (ties by ID),
// no vectors: two exports of one bank are byte-identical, and a diff shows
// only what changed. An import embeds the texts with the store's embedder.
// With vectors (ExportOptions.WithVectors) each line is the older wrapper
// {"embedder", "dim", "embedding", "lesson"}, whose vectors an import into a
// store of the same embedder keeps; Import reads both.

// What an import (or a project's lessons file) may hold. Files come from
// other people: a line past these limits is refused with its number, and
// nothing is imported.
const (
	MaxImportLine = 8 << 20  // bytes in one line
	MaxTextBytes  = 16 << 10 // a lesson's text
	MaxCodeBytes  = 1 << 20  // its original and its variant code, each
	MaxFieldBytes = 4 << 10  // any other text field (ID, model, project, function...)
	MaxRead       = 1024     // IDs in "read"
	MaxSpeedup    = 1e6      // speedups and their interval are within [0, MaxSpeedup]
	MaxFactor     = 10       // factors are within [0, MaxFactor]; 0 means unset (1.0)
	maxCount      = 1 << 30  // round, selected, beaten
)

// exportLine is one lesson of an export with vectors: the lesson, its vector
// and the identity of the embedder that made it, so an import elsewhere can
// reuse the vector or knows it must re-embed.
type exportLine struct {
	Embedder  string `json:"embedder"`
	Dim       int    `json:"dim"`
	Embedding string `json:"embedding"` // base64 little-endian float32
	Lesson    Lesson `json:"lesson"`
}

// ExportOptions are the less common settings of ExportWith.
type ExportOptions struct {
	// WithVectors writes each lesson with its vector and the embedder's
	// identity: bigger and not reviewable, but an import into a store of
	// the same embedder need not re-embed.
	WithVectors bool
	// Filter picks the lessons (default: all).
	Filter Filter
}

// Export writes every lesson in the reviewable format (see ExportWith).
func (b *Bank) Export(w io.Writer) error { return b.ExportWith(w, ExportOptions{}) }

// ExportWith writes the lessons o.Filter picks as JSON Lines, oldest first
// (ties by ID): without vectors (WriteLessons), or with them.
func (b *Bank) ExportWith(w io.Writer, o ExportOptions) error {
	ls := b.List(o.Filter) // oldest first, ties by ID
	if !o.WithVectors {
		return WriteLessons(w, ls)
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	b.mu.RLock()
	name, dim := b.embName, b.dim
	vecs := make([][]float32, len(ls))
	for i, l := range ls {
		vecs[i] = b.vector(l.ID)
	}
	b.mu.RUnlock()
	for i, l := range ls {
		if vecs[i] == nil {
			continue // removed since List
		}
		if err := enc.Encode(exportLine{Embedder: name, Dim: dim, Embedding: encodeVec(vecs[i]), Lesson: l}); err != nil {
			return fmt.Errorf("couldn't export lesson %s: %w", l.ID, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("couldn't write the export: %w", err)
	}
	return nil
}

// WriteLessons writes lessons in the reviewable format: one JSON object per
// line, keys in a fixed order, oldest first (ties by ID), no vectors. The
// same lessons give the same bytes. A lesson given twice (one ID) is written
// once, as first given.
func WriteLessons(w io.Writer, ls []Lesson) error {
	seen := make(map[string]bool, len(ls))
	out := make([]Lesson, 0, len(ls))
	for _, l := range ls {
		if !seen[l.ID] {
			seen[l.ID] = true
			out = append(out, l)
		}
	}
	slices.SortStableFunc(out, func(a, b Lesson) int {
		return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.ID, b.ID))
	})
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for _, l := range out {
		if err := enc.Encode(l); err != nil {
			return fmt.Errorf("couldn't export lesson %s: %w", l.ID, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("couldn't write the export: %w", err)
	}
	return nil
}

// ReadLessons reads a file in either export format, validated line by line
// as Import validates it; vectors are dropped. An error names the line.
func ReadLessons(r io.Reader) ([]Lesson, error) {
	lines, err := readExport(r)
	if err != nil {
		return nil, err
	}
	out := make([]Lesson, len(lines))
	for i, ln := range lines {
		out[i] = ln.Lesson
	}
	return out, nil
}

// Import is ImportContext without a deadline.
func (b *Bank) Import(r io.Reader) (int, error) { return b.ImportContext(context.Background(), r) }

// ImportContext adds the lessons of an export, all or nothing: a malformed
// or out-of-range line (see MaxImportLine and the other limits) is reported
// with its number and nothing is imported. Lessons already in the bank (same
// ID) are skipped; lessons without a vector, or embedded by another
// embedder, are embedded with the bank's. It returns how many were added.
func (b *Bank) ImportContext(ctx context.Context, r io.Reader) (int, error) {
	lines, err := readExport(r)
	if err != nil {
		return 0, err
	}
	if err := b.sync(); err != nil {
		return 0, err
	}
	b.mu.RLock()
	target, tdim, emb := b.embName, b.dim, b.emb
	b.mu.RUnlock()
	if target == "" && emb != nil {
		target, tdim = emb.Name(), emb.Dim()
	}
	if target == "" && len(lines) > 0 {
		target, tdim = lines[0].Embedder, lines[0].Dim
	}
	adds := make([]stored, len(lines))
	var redo []int
	for i, ln := range lines {
		l := b.fill(ln.Lesson)
		adds[i] = stored{Lesson: l}
		if ln.vec != nil && ln.Embedder == target && (tdim == 0 || ln.Dim == tdim) {
			adds[i].vec = ln.vec
		} else {
			redo = append(redo, i)
		}
	}
	if len(redo) > 0 {
		if emb == nil || emb.Name() != target || target == "" {
			first := lines[redo[0]]
			why := fmt.Sprintf("was embedded with %q but the store uses %q", first.Embedder, target)
			if first.vec == nil {
				why = "has no vector"
			}
			return 0, fmt.Errorf("couldn't import: line %d %s; run with --embedder %s so the lessons can be embedded; nothing was imported",
				first.line, why, cmp.Or(target, "hash"))
		}
		texts := make([]string, len(redo))
		for j, i := range redo {
			texts[j] = adds[i].Text
		}
		vecs, err := embedAll(ctx, emb, texts)
		if err != nil {
			return 0, fmt.Errorf("couldn't import: embedding %d lessons with %s: %w; nothing was imported", len(redo), target, err)
		}
		for j, i := range redo {
			adds[i].vec = vecs[j]
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, ErrClosed
	}
	if err := b.refreshLocked(); err != nil {
		return 0, err
	}
	if b.embName != "" && b.embName != target {
		return 0, fmt.Errorf("couldn't import: the store was re-embedded with %q meanwhile; run the import again; nothing was imported", b.embName)
	}
	seen := map[string]bool{}
	fresh := adds[:0]
	for _, s := range adds {
		if _, in := b.lessons[s.ID]; in || seen[s.ID] {
			continue
		}
		seen[s.ID] = true
		fresh = append(fresh, s)
	}
	if len(fresh) == 0 {
		return 0, nil
	}
	// One record: an import torn by a crash is skipped whole, never half-applied.
	if err := b.appendLocked(record{Op: opAdd, Embedder: target, Lessons: fresh}); err != nil {
		return 0, fmt.Errorf("couldn't import: %w; nothing was imported", err)
	}
	n := 0
	for _, s := range fresh {
		if _, ok := b.lessons[s.ID]; ok {
			n++
		}
	}
	return n, nil
}

// importLine is one validated line of an export; vec is nil without a vector.
type importLine struct {
	Lesson
	Embedder string
	Dim      int
	line     int
	vec      []float32
}

// errLineTooLong is a line past MaxImportLine.
var errLineTooLong = errors.New("line too long")

// readLine reads one line (without its newline) of at most limit bytes; at
// the end of the input it returns what is left with io.EOF.
func readLine(br *bufio.Reader, limit int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line)+len(chunk) > limit+1 { // +1: the newline
			return nil, errLineTooLong
		}
		line = append(line, chunk...)
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err != nil:
			return line, err
		}
		return line[:len(line)-1], nil
	}
}

// readExport parses and validates a whole export before anything is
// imported, so that a bad line costs nothing but an error naming it.
func readExport(r io.Reader) ([]importLine, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var out []importLine
	for n := 1; ; n++ {
		raw, err := readLine(br, MaxImportLine)
		if errors.Is(err, errLineTooLong) {
			return nil, fmt.Errorf("couldn't import: line %d is longer than %d MiB, the limit of a lesson line (is this an export?); nothing was imported", n, MaxImportLine>>20)
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("couldn't read the import at line %d: %w", n, err)
		}
		if len(bytes.TrimSpace(raw)) > 0 {
			ln, perr := parseExportLine(raw)
			if perr != nil {
				return nil, fmt.Errorf("couldn't import: line %d%v; fix or delete it, nothing was imported", n, perr)
			}
			ln.line = n
			out = append(out, ln)
		}
		if err == io.EOF {
			return out, nil
		}
	}
}

// lineError words a line's fault after "line N".
type lineError struct {
	parse bool // not an export line at all
	err   error
}

func (e lineError) Error() string {
	if e.parse {
		return fmt.Sprintf(" is not a lesson export line (%v)", e.err)
	}
	return ": " + e.err.Error()
}

// parseExportLine decodes one line in either format, strictly (unknown
// fields are refused), and validates it.
func parseExportLine(raw []byte) (importLine, error) {
	var ln importLine
	if !utf8.Valid(raw) {
		// The JSON decoder would quietly turn bad bytes into U+FFFD.
		return ln, lineError{err: errors.New("not valid UTF-8 (an export is UTF-8 text)")}
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(raw, &probe); err != nil {
		return ln, lineError{parse: true, err: err}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if _, wrapped := probe["lesson"]; wrapped {
		var el exportLine
		if err := dec.Decode(&el); err != nil {
			return ln, lineError{parse: true, err: err}
		}
		ln.Lesson, ln.Embedder, ln.Dim = el.Lesson, el.Embedder, el.Dim
		if el.Embedder == "" {
			return ln, lineError{err: errors.New("no embedder named")}
		}
		v, err := decodeVec(el.Embedding, nil)
		if err != nil {
			return ln, lineError{err: err}
		}
		if len(v) == 0 || (el.Dim != 0 && len(v) != el.Dim) {
			return ln, lineError{err: fmt.Errorf("embedding has %d dims, the line says %d", len(v), el.Dim)}
		}
		if !finite(v) {
			return ln, lineError{err: errors.New("the embedding holds a number that is not finite (NaN or infinity)")}
		}
		normalize(v)
		ln.vec = v
	} else if err := dec.Decode(&ln.Lesson); err != nil {
		return ln, lineError{parse: true, err: err}
	}
	if err := validateLesson(&ln.Lesson); err != nil {
		return ln, lineError{err: err}
	}
	return ln, nil
}

// validateLesson checks a lesson from outside against the limits above.
func validateLesson(l *Lesson) error {
	switch {
	case len(bytes.TrimSpace([]byte(l.Text))) == 0:
		return errors.New("the lesson has no text")
	case len(l.Text) > MaxTextBytes:
		return fmt.Errorf("the lesson's text is %d bytes, more than the %d KiB a lesson may hold", len(l.Text), MaxTextBytes>>10)
	case !l.Outcome.Valid():
		return fmt.Errorf("unknown outcome %q (want one of %s)", l.Outcome, outcomeList())
	}
	for _, f := range []struct {
		name  string
		v     string
		limit int
	}{
		{"original", l.Original, MaxCodeBytes}, {"variant", l.Variant, MaxCodeBytes},
		{"id", l.ID, MaxFieldBytes}, {"lang", l.Lang, MaxFieldBytes}, {"func", l.Func, MaxFieldBytes},
		{"signature", l.Signature, MaxFieldBytes}, {"problem_key", l.ProblemKey, MaxFieldBytes},
		{"model", l.Model, MaxFieldBytes}, {"agent", l.Agent, MaxFieldBytes}, {"project", l.Project, MaxFieldBytes},
	} {
		if len(f.v) > f.limit {
			return fmt.Errorf("%s is %d bytes, more than the %d KiB it may hold", f.name, len(f.v), f.limit>>10)
		}
	}
	for _, f := range []struct{ name, v string }{
		{"id", l.ID}, {"lang", l.Lang}, {"func", l.Func}, {"signature", l.Signature}, {"problem_key", l.ProblemKey},
		{"model", l.Model}, {"agent", l.Agent}, {"project", l.Project},
	} {
		if i := strings.IndexFunc(f.v, unicode.IsControl); i >= 0 {
			return fmt.Errorf("%s holds the control character %U", f.name, []rune(f.v[i:])[0])
		}
	}
	for _, f := range []struct {
		name  string
		v     float64
		limit float64
	}{
		{"speedup", l.Speedup, MaxSpeedup}, {"speedup_low", l.SpeedupLow, MaxSpeedup},
		{"speedup_high", l.SpeedupHigh, MaxSpeedup}, {"factor", l.Factor, MaxFactor},
	} {
		if !(f.v >= 0 && f.v <= f.limit) { // NaN fails too
			return fmt.Errorf("%s %v is out of range (0 to %v)", f.name, f.v, f.limit)
		}
	}
	if l.SpeedupHigh > 0 && l.SpeedupLow > l.SpeedupHigh {
		return fmt.Errorf("speedup interval %v to %v is upside down", l.SpeedupLow, l.SpeedupHigh)
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"round", l.Round}, {"selected", l.Selected}, {"beaten", l.Beaten}} {
		if f.v < 0 || f.v > maxCount {
			return fmt.Errorf("%s %d is out of range (0 to %d)", f.name, f.v, maxCount)
		}
	}
	if len(l.Read) > MaxRead {
		return fmt.Errorf("read lists %d lessons, more than %d", len(l.Read), MaxRead)
	}
	for _, id := range l.Read {
		if len(id) > MaxFieldBytes {
			return fmt.Errorf("read holds an ID of %d bytes", len(id))
		}
	}
	return nil
}

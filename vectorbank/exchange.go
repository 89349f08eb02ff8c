package vectorbank

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// exportLine is one lesson of an export: the lesson, its vector and the
// identity of the embedder that made it, so an import elsewhere can reuse
// the vector or knows it must re-embed.
type exportLine struct {
	Embedder  string `json:"embedder"`
	Dim       int    `json:"dim"`
	Embedding string `json:"embedding"` // base64 little-endian float32
	Lesson    Lesson `json:"lesson"`
}

// Export writes every lesson as JSON Lines, oldest first, so that exports of
// one bank diff cleanly.
func (b *Bank) Export(w io.Writer) error {
	if err := b.sync(); err != nil {
		return err
	}
	b.mu.RLock()
	es := make([]*entry, 0, len(b.lessons))
	for _, e := range b.order {
		if e != nil {
			es = append(es, e)
		}
	}
	name, dim := b.embName, b.dim
	b.mu.RUnlock()
	slices.SortFunc(es, func(a, b *entry) int {
		return cmp.Or(a.l.Created.Compare(b.l.Created), cmp.Compare(a.l.ID, b.l.ID))
	})
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	b.mu.RLock() // entries may be re-scored meanwhile: read them under the lock
	defer b.mu.RUnlock()
	for _, e := range es {
		if err := enc.Encode(exportLine{Embedder: name, Dim: dim, Embedding: encodeVec(b.vector(e.l.ID)), Lesson: e.l}); err != nil {
			return fmt.Errorf("couldn't export lesson %s: %w", e.l.ID, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("couldn't write the export: %w", err)
	}
	return nil
}

// Import is ImportContext without a deadline.
func (b *Bank) Import(r io.Reader) (int, error) { return b.ImportContext(context.Background(), r) }

// ImportContext adds the lessons of an export, all or nothing: a malformed line is
// reported with its number and nothing is imported. Lessons already in the
// bank (same ID) are skipped; lessons embedded by another embedder are
// re-embedded with the bank's. It returns how many lessons were added.
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
		if ln.Embedder == target && (tdim == 0 || ln.Dim == tdim) {
			adds[i].vec = ln.vec
		} else {
			redo = append(redo, i)
		}
	}
	if len(redo) > 0 {
		if emb == nil || emb.Name() != target {
			return 0, fmt.Errorf("couldn't import: line %d was embedded with %q but the store uses %q; "+
				"run with --embedder %s so the lessons can be re-embedded; nothing was imported",
				lines[redo[0]].line, lines[redo[0]].Embedder, target, target)
		}
		texts := make([]string, len(redo))
		for j, i := range redo {
			texts[j] = adds[i].Text
		}
		vecs, err := embedAll(ctx, emb, texts)
		if err != nil {
			return 0, fmt.Errorf("couldn't import: re-embedding %d lessons with %s: %w; nothing was imported", len(redo), target, err)
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

type importLine struct {
	exportLine
	line int
	vec  []float32
}

// readExport parses and validates a whole export before anything is
// imported, so that a bad line costs nothing but an error naming it.
func readExport(r io.Reader) ([]importLine, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var out []importLine
	for n := 1; ; n++ {
		raw, err := br.ReadBytes('\n')
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("couldn't read the import at line %d: %w", n, err)
		}
		if len(strings.TrimSpace(string(raw))) > 0 {
			var ln importLine
			ln.line = n
			dec := json.NewDecoder(strings.NewReader(string(raw)))
			dec.DisallowUnknownFields()
			if derr := dec.Decode(&ln.exportLine); derr != nil {
				return nil, fmt.Errorf("couldn't import: line %d is not a lesson export line (%v); fix or delete it, nothing was imported", n, derr)
			}
			var verr error
			if ln.vec, verr = validateImport(ln.exportLine); verr != nil {
				return nil, fmt.Errorf("couldn't import: line %d: %v; fix or delete it, nothing was imported", n, verr)
			}
			out = append(out, ln)
		}
		if err == io.EOF {
			return out, nil
		}
	}
}

func validateImport(l exportLine) ([]float32, error) {
	switch {
	case strings.TrimSpace(l.Lesson.Text) == "":
		return nil, errors.New("the lesson has no text")
	case !l.Lesson.Outcome.Valid():
		return nil, fmt.Errorf("unknown outcome %q (want one of %s)", l.Lesson.Outcome, outcomeList())
	case l.Embedder == "":
		return nil, errors.New("no embedder named")
	}
	v, err := decodeVec(l.Embedding, nil)
	if err != nil {
		return nil, err
	}
	if len(v) == 0 || (l.Dim != 0 && len(v) != l.Dim) {
		return nil, fmt.Errorf("embedding has %d dims, the line says %d", len(v), l.Dim)
	}
	return v, nil
}


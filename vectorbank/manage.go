package vectorbank

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// Outcomes lists the valid outcomes, in the order reports show them.
var Outcomes = []Outcome{OutcomeFaster, OutcomeMarginal, OutcomeSlower, OutcomeIncorrect, OutcomeBuildFailed, OutcomeTimeout, OutcomeCrashed}

// Valid reports whether o is one of Outcomes.
func (o Outcome) Valid() bool { return slices.Contains(Outcomes, o) }

func outcomeList() string {
	s := make([]string, len(Outcomes))
	for i, o := range Outcomes {
		s[i] = string(o)
	}
	return strings.Join(s, ", ")
}

// Filter picks lessons for List and Prune; empty fields match everything,
// set fields must all match.
type Filter struct {
	Lang          string
	Outcome       Outcome
	Project       string
	ProblemKey    string
	Model         string
	CreatedBefore time.Time // lessons created strictly before
	FactorBelow   float64   // lessons whose factor is strictly below; 0: any
}

func (f Filter) match(l *Lesson) bool {
	return (f.Lang == "" || strings.EqualFold(f.Lang, l.Lang)) &&
		(f.Outcome == "" || f.Outcome == l.Outcome) &&
		(f.Project == "" || f.Project == l.Project) &&
		(f.ProblemKey == "" || f.ProblemKey == l.ProblemKey) &&
		(f.Model == "" || f.Model == l.Model) &&
		(f.CreatedBefore.IsZero() || l.Created.Before(f.CreatedBefore)) &&
		(f.FactorBelow == 0 || l.Factor < f.FactorBelow)
}

// List returns the matching lessons, oldest first (ties by ID).
func (b *Bank) List(f Filter) []Lesson {
	if err := b.sync(); err != nil {
		b.log.Warn("couldn't read new lessons from the store", "dir", b.dir, "err", err)
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	var out []Lesson
	for _, e := range b.order {
		if e != nil && f.match(&e.l) {
			out = append(out, cloneLesson(e.l))
		}
	}
	slices.SortFunc(out, func(a, b Lesson) int {
		return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// Remove deletes lessons by ID. All or nothing: an unknown ID removes none.
func (b *Bank) Remove(ids ...string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return ErrClosed
	}
	if err := b.refreshLocked(); err != nil {
		return err
	}
	return b.removeIDsLocked(ids)
}

func (b *Bank) removeIDsLocked(ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	var unknown []string
	for _, id := range ids {
		if _, ok := b.lessons[id]; !ok {
			unknown = append(unknown, id)
		}
	}
	if len(unknown) > 0 {
		return fmt.Errorf("couldn't remove lessons: no lesson with ID %s (see `lessonl lessons list`); nothing was removed", strings.Join(unknown, ", "))
	}
	if err := b.appendLocked(record{Op: opRemove, IDs: ids}); err != nil {
		return fmt.Errorf("couldn't remove lessons: %w", err)
	}
	b.maybeCompactLocked()
	return nil
}

// Prune removes the lessons matching f, which must say at least how old
// (CreatedBefore) or how ineffective (FactorBelow) they are, and returns them.
func (b *Bank) Prune(f Filter) ([]Lesson, error) {
	if f.CreatedBefore.IsZero() && f.FactorBelow == 0 {
		return nil, errors.New("couldn't prune: say which lessons go, by age (--older-than) or effectiveness (--factor-below)")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, ErrClosed
	}
	if err := b.refreshLocked(); err != nil {
		return nil, err
	}
	var gone []Lesson
	var ids []string
	for _, e := range b.order {
		if e != nil && f.match(&e.l) {
			gone = append(gone, cloneLesson(e.l))
			ids = append(ids, e.l.ID)
		}
	}
	if err := b.removeIDsLocked(ids); err != nil {
		return nil, err
	}
	return gone, nil
}

// Stats summarises the bank.
type Stats struct {
	Dir        string         `json:"dir"`
	Embedder   string         `json:"embedder"`
	Dim        int            `json:"dim"`
	Lessons    int            `json:"lessons"`
	ByOutcome  map[string]int `json:"by_outcome"`
	ByModel    map[string]int `json:"by_model"`
	ByLang     map[string]int `json:"by_lang"`
	MeanFactor float64        `json:"mean_factor"`
	Helped     []Lesson       `json:"helped"`    // most often beaten by their readers, best first
	LogBytes   int64          `json:"log_bytes"` // size of the store's log
	// Copies lists the lessons said more than once (identical texts and
	// near-duplicates, see NearDuplicate), most copies first: each takes one
	// selection slot. Nothing is deleted.
	Copies []Copies `json:"copies"`
}

// Copies is one lesson and its copies in the bank.
type Copies struct {
	Lesson Lesson   `json:"lesson"` // the copy selection ranks first: best speedup × factor, then smallest ID
	Copies int      `json:"copies"` // how many lessons say it, this one included
	IDs    []string `json:"ids"`    // all of them, sorted
}

// StatsHelped is how many lessons Stats lists as having helped most.
const StatsHelped = 5

// Stats counts lessons by outcome, model and language, and names the lessons
// that helped most: those whose readers most often beat them.
func (b *Bank) Stats() Stats {
	if err := b.sync(); err != nil {
		b.log.Warn("couldn't read new lessons from the store", "dir", b.dir, "err", err)
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	s := Stats{Dir: b.dir, Embedder: b.embName, Dim: b.dim, Lessons: len(b.lessons), LogBytes: b.off,
		ByOutcome: map[string]int{}, ByModel: map[string]int{}, ByLang: map[string]int{}}
	var helped []Lesson
	for _, e := range b.order {
		if e == nil {
			continue
		}
		s.ByOutcome[string(e.l.Outcome)]++
		s.ByModel[e.l.Model]++
		s.ByLang[e.l.Lang]++
		s.MeanFactor += e.l.Factor
		if e.l.Beaten > 0 {
			helped = append(helped, e.l)
		}
	}
	if s.Lessons > 0 {
		s.MeanFactor /= float64(s.Lessons)
	}
	slices.SortFunc(helped, func(a, b Lesson) int {
		return cmp.Or(cmp.Compare(b.Beaten, a.Beaten), cmp.Compare(b.Factor, a.Factor), cmp.Compare(a.ID, b.ID))
	})
	for i := range min(len(helped), StatsHelped) {
		s.Helped = append(s.Helped, cloneLesson(helped[i]))
	}
	s.Copies = b.copiesLocked()
	return s
}

// copiesLocked groups the lessons said more than once. Near-duplicates share
// a problem and an outcome, so only lessons within such a group are
// compared, pairwise, with the vectors of that group alone.
func (b *Bank) copiesLocked() []Copies {
	parent := map[*entry]*entry{}
	var find func(e *entry) *entry
	find = func(e *entry) *entry {
		p, ok := parent[e]
		if !ok || p == e {
			return e
		}
		r := find(p)
		parent[e] = r
		return r
	}
	union := func(a, c *entry) {
		if ra, rc := find(a), find(c); ra != rc {
			parent[ra] = rc
		}
	}
	byText := map[string]*entry{}
	type group struct{ problem, outcome string }
	groups := map[group][]*entry{}
	for _, e := range b.order {
		if e == nil {
			continue
		}
		if first, ok := byText[e.l.Text]; ok {
			union(e, first)
		} else {
			byText[e.l.Text] = e
		}
		if e.l.ProblemKey != "" {
			g := group{e.l.ProblemKey, string(e.l.Outcome)}
			groups[g] = append(groups[g], e)
		}
	}
	for _, es := range groups {
		if len(es) < 2 {
			continue
		}
		vecs := make([][]float32, len(es))
		for i, e := range es {
			vecs[i] = b.vector(e.l.ID)
		}
		for i := range es {
			for j := range i {
				if cosine(vecs[i], vecs[j]) >= NearDuplicate {
					union(es[i], es[j])
				}
			}
		}
	}
	members := map[*entry][]*entry{}
	for e := range parent {
		r := find(e)
		members[r] = append(members[r], e)
	}
	var out []Copies
	for r, ms := range members {
		if !slices.Contains(ms, r) {
			ms = append(ms, r)
		}
		best := slices.MinFunc(ms, func(x, y *entry) int {
			return cmp.Or(cmp.Compare(y.l.Speedup*y.l.Factor, x.l.Speedup*x.l.Factor), cmp.Compare(x.l.ID, y.l.ID))
		})
		c := Copies{Lesson: cloneLesson(best.l), Copies: len(ms)}
		for _, m := range ms {
			c.IDs = append(c.IDs, m.l.ID)
		}
		slices.Sort(c.IDs)
		out = append(out, c)
	}
	slices.SortFunc(out, func(x, y Copies) int {
		return cmp.Or(cmp.Compare(y.Copies, x.Copies), cmp.Compare(x.Lesson.ID, y.Lesson.ID))
	})
	return out
}

// embedBatch bounds one embedding call: big enough to amortise a model
// call, small enough that a cancelled context stops work soon.
const embedBatch = 64

func embedAll(ctx context.Context, emb Embedder, texts []string) ([][]float32, error) {
	out := make([][]float32, 0, len(texts))
	for lo := 0; lo < len(texts); lo += embedBatch {
		hi := min(lo+embedBatch, len(texts))
		vecs, err := emb.Embed(ctx, texts[lo:hi])
		if err != nil {
			return nil, err
		}
		if len(vecs) != hi-lo {
			return nil, fmt.Errorf("%s returned %d vectors for %d texts (check the embedding model)", emb.Name(), len(vecs), hi-lo)
		}
		for _, v := range vecs {
			if len(v) == 0 || (len(out) > 0 && len(v) != len(out[0])) {
				return nil, fmt.Errorf("%s returned vectors of varying size (%d dims)", emb.Name(), len(v))
			}
			if !finite(v) {
				return nil, fmt.Errorf("%s returned a vector holding NaN or infinity (check the embedding model)", emb.Name())
			}
			normalize(v)
			out = append(out, v)
		}
	}
	return out, nil
}

// Reindex re-embeds every lesson with emb, rewrites the store under its new
// identity, and makes emb this bank's embedder. Other processes still using
// the old embedder will be refused at their next Add or Select.
func (b *Bank) Reindex(ctx context.Context, emb Embedder) error {
	if emb == nil {
		return errors.New("couldn't reindex: no embedder given (use --embedder hash or ollama:MODEL)")
	}
	if err := b.sync(); err != nil {
		return err
	}
	// Embed outside the locks: a model may take minutes for a big bank, and
	// other processes keep adding meanwhile; their few lessons are embedded
	// under the lock below.
	b.mu.RLock()
	var ids, texts []string
	for _, e := range b.order {
		if e != nil {
			ids, texts = append(ids, e.l.ID), append(texts, e.l.Text)
		}
	}
	b.mu.RUnlock()
	vecs, err := embedAll(ctx, emb, texts)
	if err != nil {
		return fmt.Errorf("couldn't reindex with %s: %w", emb.Name(), err)
	}
	byID := make(map[string][]float32, len(ids))
	for i, id := range ids {
		byID[id] = vecs[i]
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return ErrClosed
	}
	if err := b.compactLocked(ctx, emb, byID); err != nil {
		return fmt.Errorf("couldn't reindex with %s: %w", emb.Name(), err)
	}
	b.emb = emb
	return nil
}

// compactMin is the number of dead records (feedback, removals, duplicates)
// before a compaction is considered; a compaction also needs more dead
// records than live lessons, so its cost is amortised over as many writes.
const compactMin = 4096

func (b *Bank) maybeCompactLocked() {
	if b.garbage > compactMin && b.garbage > len(b.lessons) {
		if err := b.compactLocked(context.Background(), nil, nil); err != nil {
			b.log.Warn("lesson store compaction failed; the store still works", "dir", b.dir, "err", err)
		}
	}
}

// compactLocked rewrites the log as one header and one line per live lesson
// (factors and counters folded in), atomically: a temporary file, fsync,
// rename, under the store lock. Other processes see a new file and reload.
// With emb, the lessons get the vectors in vecs (embedding any missing, added
// meanwhile by other processes) and the store takes emb's identity.
func (b *Bank) compactLocked(ctx context.Context, emb Embedder, vecs map[string][]float32) error {
	if err := flock(b.lockf); err != nil {
		return err
	}
	defer funlock(b.lockf)
	if err := b.refreshLocked(); err != nil {
		return err
	}
	name, dim := b.embName, b.dim
	if emb != nil {
		var missing []string
		var texts []string
		for _, e := range b.order {
			if e != nil && vecs[e.l.ID] == nil {
				missing, texts = append(missing, e.l.ID), append(texts, e.l.Text)
			}
		}
		if len(missing) > 0 {
			more, err := embedAll(ctx, emb, texts)
			if err != nil {
				return err
			}
			for i, id := range missing {
				vecs[id] = more[i]
			}
		}
		name, dim = emb.Name(), emb.Dim()
		for _, v := range vecs {
			dim = len(v) // what the embedder really returns
			break
		}
	}
	tmp, err := os.CreateTemp(b.dir, "lessons-*.tmp")
	if err != nil {
		return fmt.Errorf("couldn't rewrite the lesson store: %w (check free space in %s)", err, b.dir)
	}
	defer os.Remove(tmp.Name()) // after a successful rename, a no-op
	bw := bufio.NewWriterSize(tmp, 1<<20)
	var n int64
	write := func(r record) error {
		line, err := marshalRecord(r)
		if err != nil {
			return err
		}
		m, err := bw.Write(line)
		n += int64(m)
		return err
	}
	werr := write(record{Op: opHeader, Format: formatV1, Embedder: name, Dim: dim})
	for _, e := range b.order {
		if e == nil || werr != nil {
			continue
		}
		v := b.vector(e.l.ID)
		if emb != nil {
			v = vecs[e.l.ID]
		}
		werr = write(record{Op: opAdd, Embedder: name, Lessons: []stored{{Lesson: e.l, vec: v}}})
	}
	if werr == nil {
		werr = bw.Flush()
	}
	if werr == nil {
		werr = tmp.Sync()
	}
	fi, serr := tmp.Stat()
	if cerr := tmp.Close(); werr == nil {
		werr = cmp.Or(serr, cerr)
	}
	if werr != nil {
		return fmt.Errorf("couldn't rewrite the lesson store: %w (check free space in %s)", werr, b.dir)
	}
	if err := os.Rename(tmp.Name(), b.path); err != nil {
		return fmt.Errorf("couldn't replace the lesson store %s: %w", b.path, err)
	}
	if d, err := os.Open(b.dir); err == nil {
		d.Sync() // make the rename durable; best effort where directories can't sync
		d.Close()
	}
	// Memory already matches the new file: adopt it without re-reading.
	b.fi, b.off = fi, n
	b.garbage = 0
	b.embName, b.dim = name, dim
	if emb != nil {
		b.emb = emb
		b.idx = nil
		for _, e := range b.order {
			if e != nil {
				// Only a broken embedder's vector is refused: re-embedded
				// vectors are checked by embedAll.
				if err := b.index().add(&e.l, vecs[e.l.ID]); err != nil {
					b.log.Warn("couldn't index a re-embedded lesson", "dir", b.dir, "id", e.l.ID, "err", err)
				}
			}
		}
	}
	if b.holes > 0 {
		kept := b.order[:0]
		for _, e := range b.order {
			if e != nil {
				e.pos = len(kept)
				kept = append(kept, e)
			}
		}
		clear(b.order[len(kept):])
		b.order, b.holes = kept, 0
	}
	return nil
}

package vectorbank

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Bank is an open lesson store. It is safe for concurrent use by goroutines,
// and several processes (one language server per editor window, the CLI) may
// open the same store: each sees the others' lessons on its next Select.
type Bank struct {
	dir   string
	path  string
	emb   Embedder // nil: the store is only read, listed and edited, never embedded into
	lockf *os.File
	log   *slog.Logger

	mu        sync.RWMutex
	closed    bool
	embName   string // the store's embedder identity; "" until the first header
	dim       int    // 0 until known
	lessons   map[string]*entry
	idx       *index            // the lessons' vectors, in chromem-go; nil until the first lesson
	order     []*entry          // insertion order; removed entries are nil until tidied
	originals map[string]string // interned original code
	holes     int               // nil slots in order
	garbage   int               // log records or lessons a compaction would drop
	fi        os.FileInfo
	off       int64 // bytes of the log applied so far
	now       func() time.Time

	projMu   sync.Mutex
	projects map[string]*projectSet // project lessons files by path, read-only
}

type entry struct {
	l   Lesson
	pos int // index in Bank.order
}

// ErrClosed is returned by a Bank's methods after Close.
var ErrClosed = errors.New("lesson bank is closed")

// DefaultK is the number of lessons handed out when a Query leaves K at 0 (the method's k).
const DefaultK = 4

// Open opens the store in dir, creating it if needed. emb embeds lesson texts
// and queries; it must be the embedder the store was built with, else Open
// refuses and says how to re-embed. A nil emb opens the store for reading and
// editing only (list, show, stats, export, rm, prune, reindex).
func Open(dir string, emb Embedder) (*Bank, error) { return OpenWith(dir, emb, Options{}) }

// Options are the less common settings of OpenWith.
type Options struct {
	// Logger receives the store's warnings (damaged records skipped, failed
	// compactions); default slog.Default(). A language server routes them
	// to the editor, the CLI to stderr.
	Logger *slog.Logger
}

// OpenWith is Open with Options.
func OpenWith(dir string, emb Embedder, o Options) (*Bank, error) {
	if dir == "" {
		dir = DefaultDir()
	}
	// Private: lessons carry the code of every project they came from.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("couldn't create the lesson store %s: %w (choose another with --store or LESSONL_HOME)", dir, err)
	}
	lockf, err := os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("couldn't open the lesson store %s: %w (is it writable? choose another with --store or LESSONL_HOME)", dir, err)
	}
	b := &Bank{
		dir:       dir,
		path:      filepath.Join(dir, logName),
		emb:       emb,
		lockf:     lockf,
		lessons:   map[string]*entry{},
		originals: map[string]string{},
		now:       func() time.Time { return time.Now().UTC() },
		log:       o.Logger,
	}
	if b.log == nil {
		b.log = slog.Default()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.refreshLocked(); err != nil {
		lockf.Close()
		return nil, err
	}
	if emb != nil {
		if err := b.checkEmbedderLocked(emb); err != nil {
			lockf.Close()
			return nil, err
		}
		if b.embName == "" {
			// A new store takes this embedder's identity. Another process may
			// have named one first: appending re-reads the log, so check again.
			if err := b.appendLocked(record{Op: opHeader, Format: formatV1, Embedder: emb.Name(), Dim: emb.Dim()}); err != nil {
				lockf.Close()
				return nil, err
			}
			if err := b.checkEmbedderLocked(emb); err != nil {
				lockf.Close()
				return nil, err
			}
		}
	}
	b.maybeCompactLocked()
	return b, nil
}

func (b *Bank) checkEmbedderLocked(emb Embedder) error {
	if b.embName == "" {
		return nil
	}
	if emb.Name() != b.embName || (emb.Dim() != 0 && b.dim != 0 && emb.Dim() != b.dim) {
		return fmt.Errorf("the lesson store %s was embedded with %s but this run uses %s: "+
			"run with --embedder %s, or re-embed the store with `lessonl lessons reindex --embedder %s`",
			b.dir, identity(b.embName, b.dim), identity(emb.Name(), emb.Dim()), b.embName, emb.Name())
	}
	return nil
}

// identity names an embedder in messages: "hash" (512 dims).
func identity(name string, dim int) string {
	if dim == 0 {
		return strconv.Quote(name)
	}
	return fmt.Sprintf("%q (%d dims)", name, dim)
}

// sameEmbedderLocked catches a store re-embedded by another process since
// Open: its vectors and ours would no longer compare.
func (b *Bank) sameEmbedderLocked(emb Embedder) error {
	if b.embName != "" && emb.Name() != b.embName {
		return fmt.Errorf("the lesson store %s was re-embedded with %q since this process opened it with %q; "+
			"restart with --embedder %s (or run `lessonl lessons reindex --embedder %s` to switch it back)",
			b.dir, b.embName, emb.Name(), b.embName, emb.Name())
	}
	return nil
}

// Close releases the store. Lessons are already on disk: Close loses nothing.
func (b *Bank) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	return b.lockf.Close()
}

// Dir is the store's directory.
func (b *Bank) Dir() string { return b.dir }

// Embedder reports the store's embedder identity (name and dimension; the
// dimension is 0 until the first vector when the embedder learns it lazily).
func (b *Bank) Embedder() (name string, dim int) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.embName, b.dim
}

// Add stores a lesson. It fills an empty ID (a content hash with the creation
// time), a zero Created (now) and a zero Factor (1.0), embeds the text, and
// returns the lesson as stored. It is durable once Add returns (in the page
// cache: a killed process loses nothing; a power cut may lose the last adds).
func (b *Bank) Add(ctx context.Context, l Lesson) (Lesson, error) {
	emb := b.embedder()
	if emb == nil {
		return Lesson{}, errors.New("couldn't add the lesson: the bank was opened without an embedder (open it with one, e.g. NewHashEmbedder())")
	}
	if strings.TrimSpace(l.Text) == "" {
		return Lesson{}, errors.New("couldn't add the lesson: its text is empty (ask the agent for a lesson again)")
	}
	if !l.Outcome.Valid() {
		return Lesson{}, fmt.Errorf("couldn't add the lesson: unknown outcome %q (want one of %s)", l.Outcome, outcomeList())
	}
	l = b.fill(l)
	vecs, err := emb.Embed(ctx, []string{l.Text})
	if err != nil {
		return Lesson{}, fmt.Errorf("couldn't embed lesson %s with %s: %w", l.ID, emb.Name(), err)
	}
	if len(vecs) != 1 || len(vecs[0]) == 0 {
		return Lesson{}, fmt.Errorf("couldn't embed lesson %s: %s returned %d vectors for 1 text (check the embedding model)", l.ID, emb.Name(), len(vecs))
	}
	vec := vecs[0]
	normalize(vec)

	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return Lesson{}, ErrClosed
	}
	if err := b.refreshLocked(); err != nil {
		return Lesson{}, err
	}
	if err := b.sameEmbedderLocked(emb); err != nil {
		return Lesson{}, fmt.Errorf("couldn't add lesson %s: %w", l.ID, err)
	}
	if _, dup := b.lessons[l.ID]; dup {
		return Lesson{}, fmt.Errorf("couldn't add lesson %s: a lesson with that ID is already in the bank (leave ID empty to get a fresh one)", l.ID)
	}
	if b.dim != 0 && len(vec) != b.dim {
		return Lesson{}, fmt.Errorf("couldn't add lesson %s: %s returned %d dims but the store holds %d-dim vectors "+
			"(the model changed? re-embed with `lessonl lessons reindex --embedder %s`)", l.ID, emb.Name(), len(vec), b.dim, emb.Name())
	}
	rec := record{Op: opAdd, Embedder: emb.Name(), Lessons: []stored{{Lesson: l, vec: vec}}}
	if err := b.appendLocked(rec); err != nil {
		return Lesson{}, fmt.Errorf("couldn't add lesson %s: %w", l.ID, err)
	}
	if e, ok := b.lessons[l.ID]; ok {
		return cloneLesson(e.l), nil
	}
	// Our own record was not applied: another process added the same ID in
	// between (IDs include the time, so this is a caller-chosen ID).
	return Lesson{}, fmt.Errorf("couldn't add lesson %s: another process added a lesson with that ID first", l.ID)
}

func (b *Bank) embedder() Embedder {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.emb
}

// fill completes a lesson's bookkeeping fields.
func (b *Bank) fill(l Lesson) Lesson {
	if l.Created.IsZero() {
		l.Created = b.now()
	}
	if l.Factor == 0 {
		l.Factor = 1.0
	}
	if l.ID == "" {
		l.ID = lessonID(l)
	}
	return l
}

// lessonID is stable for a given lesson: a hash of what it says, where it
// comes from, and when it was created, 16 hex digits (64 bits: collisions
// are negligible for any bank a person accumulates, and prefixes stay short).
func lessonID(l Lesson) string {
	h := sha256.New()
	for _, s := range []string{l.Text, string(l.Outcome), l.ProblemKey, l.Model, l.Agent, l.Project, l.Variant,
		strconv.Itoa(l.Round), strconv.FormatInt(l.Created.UnixNano(), 10)} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// Get returns the lesson with this ID, looking at the store first for what
// other processes added, then at the project lessons files Select has read.
func (b *Bank) Get(id string) (Lesson, bool) {
	if err := b.sync(); err != nil {
		b.log.Warn("couldn't read new lessons from the store", "dir", b.dir, "err", err)
	}
	b.mu.RLock()
	e, ok := b.lessons[id]
	var l Lesson
	if ok {
		l = cloneLesson(e.l)
	}
	b.mu.RUnlock()
	if !ok {
		return b.projectLesson(id)
	}
	return l, true
}

// Len is the number of lessons in the bank.
func (b *Bank) Len() int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return len(b.lessons)
}

func cloneLesson(l Lesson) Lesson {
	if l.Read != nil {
		l.Read = append([]string(nil), l.Read...)
	}
	return l
}

// sync applies what other processes appended since we last looked. The
// common case, nothing new, costs one stat and no exclusive lock, so
// concurrent Selects do not queue behind each other.
func (b *Bank) sync() error {
	fi, err := os.Stat(b.path)
	b.mu.RLock()
	unchanged := err == nil && b.fi != nil && os.SameFile(fi, b.fi) && fi.Size() == b.off
	closed := b.closed
	b.mu.RUnlock()
	if closed {
		return ErrClosed
	}
	if unchanged {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return ErrClosed
	}
	return b.refreshLocked()
}

// refreshLocked brings memory up to date with the log: the new tail when the
// file only grew, everything when it was replaced (a compaction or reindex by
// any process) or shrank.
func (b *Bank) refreshLocked() error {
	fi, err := os.Stat(b.path)
	if errors.Is(err, os.ErrNotExist) {
		if b.fi != nil {
			b.reset()
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("couldn't read the lesson store %s: %w", b.path, err)
	}
	if b.fi != nil && os.SameFile(fi, b.fi) && fi.Size() == b.off {
		return nil
	}
	full := b.fi == nil || !os.SameFile(fi, b.fi) || fi.Size() < b.off
	f, err := os.Open(b.path)
	if err != nil {
		return fmt.Errorf("couldn't read the lesson store %s: %w", b.path, err)
	}
	defer f.Close()
	// Stat the file we opened, not the path: a rename may have happened since.
	if fi, err = f.Stat(); err != nil {
		return fmt.Errorf("couldn't read the lesson store %s: %w", b.path, err)
	}
	if full || !os.SameFile(fi, b.fi) {
		b.reset()
	} else if _, err := f.Seek(b.off, io.SeekStart); err != nil {
		return fmt.Errorf("couldn't read the lesson store %s: %w", b.path, err)
	}
	off, err := loadRecords(f, b.off, fi.Size()-b.off, b.applyRecord)
	b.fi, b.off = fi, off
	if err != nil {
		return fmt.Errorf("couldn't read the lesson store %s: %w", b.path, err)
	}
	return nil
}

func (b *Bank) reset() {
	b.embName, b.dim = "", 0
	b.lessons = map[string]*entry{}
	b.idx = nil
	b.originals = map[string]string{}
	b.order, b.holes, b.garbage = nil, 0, 0
	b.fi, b.off = nil, 0
}

// applyRecord replays one log line; a damaged one is skipped with a warning
// so that the rest of the store still loads.
func (b *Bank) applyRecord(off int64, r record, err error) {
	if err != nil {
		if r.Op == "" && errors.Is(err, errBlankLine) {
			return
		}
		b.garbage++
		b.log.Warn("skipping a damaged record in the lesson store", "file", b.path, "offset", off, "err", err)
		return
	}
	switch r.Op {
	case opHeader:
		switch {
		case b.embName == "":
			b.embName, b.dim = r.Embedder, r.Dim
		case r.Embedder != b.embName:
			b.log.Warn("ignoring a second embedder identity in the lesson store", "file", b.path, "offset", off,
				"store", b.embName, "record", r.Embedder)
		case b.dim == 0:
			b.dim = r.Dim
		}
	case opAdd:
		if b.embName == "" {
			b.embName = r.Embedder // a store whose header was lost
		}
		if r.Embedder != "" && r.Embedder != b.embName {
			b.garbage++
			b.log.Warn("skipping lessons embedded with another embedder", "file", b.path, "offset", off,
				"store", b.embName, "record", r.Embedder)
			return
		}
		for _, s := range r.Lessons {
			b.applyAdd(off, s)
		}
	case opFeedback:
		b.garbage++
		for _, u := range r.Updates {
			if e, ok := b.lessons[u.ID]; ok {
				e.l.Factor = u.Factor
				e.l.Selected += u.Selected
				e.l.Beaten += u.Beaten
			}
		}
	case opRemove:
		b.garbage++
		for _, id := range r.IDs {
			b.removeLocked(id)
		}
	default:
		b.garbage++
		b.log.Warn("skipping a record of unknown kind in the lesson store (written by a newer lessonl?)",
			"file", b.path, "offset", off, "op", r.Op)
	}
}

func (b *Bank) applyAdd(off int64, s stored) {
	if s.ID == "" {
		b.garbage++
		b.log.Warn("skipping a lesson without ID in the lesson store", "file", b.path, "offset", off)
		return
	}
	if _, dup := b.lessons[s.ID]; dup {
		b.garbage++
		return
	}
	vec, err := s.vec, s.vecErr
	if err == nil && (len(vec) == 0 || (b.dim != 0 && len(vec) != b.dim)) {
		err = fmt.Errorf("%d dims, the store holds %d", len(vec), b.dim)
	}
	if err == nil && !finite(vec) {
		err = errors.New("not a number in the vector")
	}
	if err != nil {
		b.garbage++
		b.log.Warn("skipping a lesson with a damaged embedding", "file", b.path, "offset", off, "id", s.ID, "err", err)
		return
	}
	if b.dim == 0 {
		b.dim = len(vec)
	}
	// A problem's lessons all carry its original code: keep one copy.
	if o, ok := b.originals[s.Original]; ok {
		s.Original = o
	} else if s.Original != "" {
		b.originals[s.Original] = s.Original
	}
	e := &entry{l: s.Lesson, pos: len(b.order)}
	if err := b.index().add(&e.l, vec); err != nil {
		b.garbage++
		b.log.Warn("skipping a lesson the index refused", "file", b.path, "offset", off, "id", s.ID, "err", err)
		return
	}
	b.lessons[s.ID] = e
	b.order = append(b.order, e)
}

// index is the bank's similarity index, made for the store's embedder when
// the first lesson arrives. b.mu is held for writing.
func (b *Bank) index() *index {
	if b.idx == nil {
		b.idx = newIndex(b.embName, b.dim, b.emb)
	}
	return b.idx
}

// vector is a copy of a lesson's vector, from the index. b.mu is held.
func (b *Bank) vector(id string) []float32 {
	if b.idx == nil {
		return nil
	}
	return b.idx.vector(id, b.dim)
}

func (b *Bank) removeLocked(id string) bool {
	e, ok := b.lessons[id]
	if !ok {
		return false
	}
	delete(b.lessons, id)
	b.idx.remove(id)
	b.garbage++
	b.order[e.pos] = nil
	b.holes++
	if b.holes > 64 && b.holes > len(b.order)/4 {
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
	return true
}

// appendLocked writes one record at the end of the log under the store lock,
// then applies everything new in the log, ours included. b.mu must be held.
func (b *Bank) appendLocked(r record) error {
	line, err := marshalRecord(r)
	if err != nil {
		return err
	}
	if err := flock(b.lockf); err != nil {
		return err
	}
	werr := appendLine(b.log, b.path, line)
	if err := funlock(b.lockf); err != nil && werr == nil {
		werr = fmt.Errorf("couldn't unlock %s: %w", b.lockf.Name(), err)
	}
	if werr != nil {
		return werr
	}
	return b.refreshLocked()
}

// appendLine appends with O_APPEND, first ending a line torn by a writer that
// was killed mid-record, so that the torn line stays alone (and skipped)
// instead of swallowing the record written after it. The store lock is held.
func appendLine(log *slog.Logger, path string, line []byte) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("couldn't open the lesson store %s for writing: %w (check its permissions and free space)", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("couldn't stat the lesson store %s: %w", path, err)
	}
	if fi.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, fi.Size()-1); err != nil {
			return fmt.Errorf("couldn't read the lesson store %s: %w", path, err)
		}
		if last[0] != '\n' {
			log.Warn("the lesson store ends with a torn record (a writer was killed); it will be skipped", "file", path)
			line = append([]byte{'\n'}, line...)
		}
	}
	if _, err := f.Write(line); err != nil {
		return fmt.Errorf("couldn't write to the lesson store %s: %w (check free space)", path, err)
	}
	return nil
}

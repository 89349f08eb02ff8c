package vectorbank

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"sync"
)

// The store is one append-only JSON Lines log (event sourcing): every change
// is a record appended under the store lock, and a reader replays them. One
// line is one record, so a record is applied whole or not at all: a write
// torn by kill -9 leaves one damaged line that is skipped with a warning.
const (
	logName    = "lessons.jsonl"
	lockName   = "lessons.lock"
	formatV1   = 1
	opHeader   = "header"   // store identity: format, embedder name and dimension
	opAdd      = "add"      // lessons with their vectors (one record per Add or Import: atomic)
	opFeedback = "feedback" // new factors, counter increments (deltas commute across processes)
	opRemove   = "rm"       // removed IDs
)

type record struct {
	Op       string   `json:"op"`
	Format   int      `json:"format,omitempty"`
	Embedder string   `json:"embedder,omitempty"`
	Dim      int      `json:"dim,omitempty"`
	Lessons  []stored `json:"lessons,omitempty"`
	Updates  []update `json:"updates,omitempty"`
	IDs      []string `json:"ids,omitempty"`
}

// stored is a lesson as the log keeps it. Its vector is not inside the
// JSON: it follows it on the same line, tab-separated, as base64 of
// little-endian float32 (exact, and a third of the size of a JSON array of
// numbers). Decoding JSON costs as much per byte as everything else at open
// together; the vector is half of a record, and base64 decodes ~20x faster.
type stored struct {
	Lesson
	vec    []float32
	vecErr error // the vector is damaged: the lesson is skipped
}

type update struct {
	ID       string  `json:"id"`
	Factor   float64 `json:"factor"`
	Selected int     `json:"selected_inc,omitempty"`
	Beaten   int     `json:"beaten_inc,omitempty"`
}

func encodeVec(v []float32) string {
	return string(appendVec(nil, v))
}

func appendVec(dst []byte, v []float32) []byte {
	raw := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(x))
	}
	return base64.StdEncoding.AppendEncode(dst, raw)
}

func decodeVec(s string, into []float32) ([]float32, error) {
	return decodeVecBytes([]byte(s), nil, func(n int) []float32 {
		if cap(into) >= n {
			return into[:n]
		}
		return make([]float32, n)
	})
}

// decodeVecBytes decodes a base64 vector, using buf as scratch and alloc for
// the result (a slab, at load time, to allocate once per batch).
func decodeVecBytes(src []byte, buf *[]byte, alloc func(int) []float32) ([]float32, error) {
	var scratch []byte
	if buf != nil {
		scratch = *buf
	}
	need := base64.StdEncoding.DecodedLen(len(src))
	if cap(scratch) < need {
		scratch = make([]byte, need)
	}
	n, err := base64.StdEncoding.Decode(scratch[:need], src)
	if buf != nil {
		*buf = scratch
	}
	if err != nil {
		return nil, fmt.Errorf("bad embedding encoding: %w", err)
	}
	if n%4 != 0 {
		return nil, fmt.Errorf("bad embedding: %d bytes is not a whole number of float32s", n)
	}
	v := alloc(n / 4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(scratch[4*i:]))
	}
	return v, nil
}

// errBlankLine marks an empty line, which is skipped silently.
var errBlankLine = errors.New("blank line")

// marshalRecord renders one record as one line, newline included: the JSON,
// then a tab and a vector for each lesson it adds.
func marshalRecord(r record) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return nil, fmt.Errorf("couldn't encode %s record: %w", r.Op, err)
	}
	line := buf.Bytes()
	line = line[:len(line)-1] // Encode's newline: the vectors come first
	for _, s := range r.Lessons {
		line = append(line, '\t')
		line = appendVec(line, s.vec)
	}
	return append(line, '\n'), nil
}

// parseRecord decodes one line (without its newline). A damaged vector marks
// its lesson only; anything else wrong rejects the whole line.
func parseRecord(line []byte, buf *[]byte, alloc func(int) []float32) (record, error) {
	var r record
	if len(bytes.TrimSpace(line)) == 0 {
		return r, errBlankLine
	}
	js, vecs := line, []byte(nil)
	if i := bytes.IndexByte(line, '\t'); i >= 0 { // JSON never holds a raw tab
		js, vecs = line[:i], line[i+1:]
	}
	if err := json.Unmarshal(js, &r); err != nil {
		return r, err
	}
	if r.Op != opAdd {
		return r, nil
	}
	n := 0
	if len(vecs) > 0 {
		n = bytes.Count(vecs, []byte{'\t'}) + 1
	}
	if n != len(r.Lessons) {
		return r, fmt.Errorf("an add record of %d lessons carries %d vectors", len(r.Lessons), n)
	}
	for i := range r.Lessons {
		field := vecs
		if j := bytes.IndexByte(vecs, '\t'); j >= 0 {
			field, vecs = vecs[:j], vecs[j+1:]
		}
		r.Lessons[i].vec, r.Lessons[i].vecErr = decodeVecBytes(field, buf, alloc)
	}
	return r, nil
}

// scanRecords reads whole lines from r, starting at byte offset base, and
// calls fn for each with its offset. A last line without its newline is not
// consumed: it is either being written by another process right now or torn,
// and the next writer terminates a torn line before appending. It returns the
// offset just past the last whole line.
func scanRecords(r io.Reader, base int64, fn func(off int64, line []byte)) (int64, error) {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 1<<16)
	}
	off := base
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A long line (an import of many lessons): gather it whole.
			full := append([]byte(nil), line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = br.ReadSlice('\n')
				full = append(full, line...)
			}
			line = full
		}
		if err == io.EOF {
			return off, nil
		}
		if err != nil {
			return off, err
		}
		fn(off, line[:len(line)-1])
		off += int64(len(line))
	}
}

// slab hands out vectors from shared chunks: one allocation per chunk of
// vectors instead of one per lesson, at load time.
type slab struct{ free []float32 }

func (s *slab) alloc(n int) []float32 {
	if len(s.free) < n {
		s.free = make([]float32, max(n, 64*HashDim))
	}
	v := s.free[:n:n]
	s.free = s.free[n:]
	return v
}

// loadBatch is a run of consecutive log lines decoded by one worker.
type loadBatch struct {
	buf  []byte // the lines, back to back
	ends []int  // end of each line in buf (newline excluded)
	offs []int64
	recs []record
	errs []error
	done chan struct{}
}

// parse decodes the batch, hands its line buffer back for reuse, and
// signals the applier.
func (lb *loadBatch) parse(free chan<- []byte) {
	var scratch []byte
	var sl slab
	start := 0
	lb.recs = make([]record, len(lb.ends))
	lb.errs = make([]error, len(lb.ends))
	for i, end := range lb.ends {
		lb.recs[i], lb.errs[i] = parseRecord(lb.buf[start:end], &scratch, sl.alloc)
		start = end + 1
	}
	select {
	case free <- lb.buf[:0]:
	default:
	}
	lb.buf = nil
	close(lb.done)
}

// parallelLoadMin is the amount of new log from which decoding is spread
// over the cores; a Select that finds one new lesson does it inline.
const parallelLoadMin = 1 << 20

// loadRecords reads the whole lines of r (which starts at byte base of the
// log) and applies each decoded record in order. size is what is expected to
// be read, to choose between inline and parallel decoding. It returns the
// offset after the last whole line.
func loadRecords(r io.Reader, base, size int64, apply func(off int64, rec record, err error)) (int64, error) {
	workers := runtime.GOMAXPROCS(0)
	if size < parallelLoadMin || workers < 2 {
		// A few new records (the common refresh): no slab, and a read buffer
		// the size of the news, not 64 KB per Select.
		var scratch []byte
		alloc := func(n int) []float32 { return make([]float32, n) }
		br := bufio.NewReaderSize(r, int(min(max(size, 4096), 1<<16)))
		return scanRecords(br, base, func(off int64, line []byte) {
			rec, err := parseRecord(line, &scratch, alloc)
			apply(off, rec, err)
		})
	}
	const batchBytes = 1 << 20
	work := make(chan *loadBatch, workers)
	order := make(chan *loadBatch, 2*workers)
	// Decoded records copy what they keep, so line buffers are recycled:
	// a 500 MB log is read through a few MB.
	free := make(chan []byte, 4*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for lb := range work {
				lb.parse(free)
			}
		})
	}
	type result struct {
		end int64
		err error
	}
	res := make(chan result, 1)
	go func() {
		newBatch := func() *loadBatch {
			lb := &loadBatch{done: make(chan struct{})}
			select {
			case lb.buf = <-free:
			default:
				lb.buf = make([]byte, 0, batchBytes+batchBytes/4)
			}
			return lb
		}
		cur := newBatch()
		flush := func() {
			if len(cur.ends) > 0 {
				order <- cur
				work <- cur
				cur = newBatch()
			}
		}
		end, err := scanRecords(r, base, func(off int64, line []byte) {
			cur.buf = append(cur.buf, line...)
			cur.ends = append(cur.ends, len(cur.buf))
			cur.buf = append(cur.buf, '\n')
			cur.offs = append(cur.offs, off)
			if len(cur.buf) >= batchBytes {
				flush()
			}
		})
		flush()
		close(work)
		close(order)
		res <- result{end, err}
	}()
	for lb := range order {
		<-lb.done
		for i := range lb.recs {
			apply(lb.offs[i], lb.recs[i], lb.errs[i])
		}
	}
	wg.Wait()
	out := <-res
	return out.end, out.err
}

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

// stored is a lesson as the log keeps it: the lesson's own fields plus its
// vector as base64 little-endian float32 (a third of the size of a JSON
// array of numbers, and exact).
type stored struct {
	Lesson
	Vec string `json:"vec"`
}

type update struct {
	ID       string  `json:"id"`
	Factor   float64 `json:"factor"`
	Selected int     `json:"selected_inc,omitempty"`
	Beaten   int     `json:"beaten_inc,omitempty"`
}

func encodeVec(v []float32) string {
	buf := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(x))
	}
	return base64.StdEncoding.EncodeToString(buf)
}

func decodeVec(s string, into []float32) ([]float32, error) {
	buf, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("bad embedding encoding: %w", err)
	}
	if len(buf)%4 != 0 {
		return nil, fmt.Errorf("bad embedding: %d bytes is not a whole number of float32s", len(buf))
	}
	n := len(buf) / 4
	if cap(into) < n {
		into = make([]float32, n)
	}
	into = into[:n]
	for i := range into {
		into[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:]))
	}
	return into, nil
}

// marshalRecord renders one record as one line, newline included.
func marshalRecord(r record) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return nil, fmt.Errorf("couldn't encode %s record: %w", r.Op, err)
	}
	return buf.Bytes(), nil
}

// scanRecords reads whole lines from r, starting at byte offset base, and
// calls fn for each with its offset. A last line without its newline is not
// consumed: it is either being written by another process right now or torn,
// and the next writer terminates a torn line before appending. It returns the
// offset just past the last whole line.
func scanRecords(r io.Reader, base int64, fn func(off int64, line []byte)) (int64, error) {
	br := bufio.NewReaderSize(r, 1<<16)
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

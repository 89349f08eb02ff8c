package vectorbank

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fiveLessons makes a store of five lessons and returns its log's lines.
func fiveLessons(t *testing.T, dir string) (ids []string, lines [][]byte) {
	t.Helper()
	b, err := Open(dir, NewHashEmbedder())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		ids = append(ids, addT(t, b, Lesson{Text: fmt.Sprintf("lesson number %d", i)}).ID)
	}
	b.Close()
	data, err := os.ReadFile(filepath.Join(dir, logName))
	if err != nil {
		t.Fatal(err)
	}
	lines = bytes.SplitAfter(data, []byte("\n"))
	return ids, lines[:len(lines)-1] // the last element is the empty rest after the final newline
}

func TestDamagedStore(t *testing.T) {
	// Line 0 is the header; line i (1..5) adds lesson i-1.
	tests := []struct {
		name    string
		damage  func(lines [][]byte) [][]byte
		lost    []int  // lessons that may not load
		warning string // what the log must say
	}{
		{
			name: "garbage in the middle of a record",
			damage: func(ls [][]byte) [][]byte {
				copy(ls[3][20:], "\x00\xff#garbage#")
				return ls
			},
			lost: []int{2}, warning: "damaged record",
		},
		{
			name: "torn last record (a writer killed mid-write)",
			damage: func(ls [][]byte) [][]byte {
				ls[5] = ls[5][:len(ls[5])/2]
				return ls
			},
			lost: []int{4}, warning: "torn record",
		},
		{
			name: "a record cut short in the middle of the file",
			damage: func(ls [][]byte) [][]byte {
				ls[2] = append(ls[2][:len(ls[2])/3:len(ls[2])/3], '\n')
				return ls
			},
			lost: []int{1}, warning: "damaged",
		},
		{
			name: "a record cut short in its JSON",
			damage: func(ls [][]byte) [][]byte {
				ls[2] = append(ls[2][:40:40], '\n')
				return ls
			},
			lost: []int{1}, warning: "damaged record",
		},
		{
			name: "a bad embedding",
			damage: func(ls [][]byte) [][]byte {
				ls[4] = bytes.Replace(ls[4], []byte("\t"), []byte("\t!!"), 1)
				return ls
			},
			lost: []int{3}, warning: "damaged embedding",
		},
		{
			name: "an embedding of the wrong size",
			damage: func(ls [][]byte) [][]byte {
				i := bytes.IndexByte(ls[1], '\t')
				ls[1] = append(append([]byte{}, ls[1][:i+1]...), "AAAAAAAA\n"...)
				return ls
			},
			lost: []int{0}, warning: "damaged embedding",
		},
		{
			name: "the vector missing",
			damage: func(ls [][]byte) [][]byte {
				ls[2] = append(ls[2][:bytes.IndexByte(ls[2], '\t')], '\n')
				return ls
			},
			lost: []int{1}, warning: "carries 0 vectors",
		},
		{
			name: "a record from a newer version",
			damage: func(ls [][]byte) [][]byte {
				return append(ls, []byte(`{"op":"teleport","ids":["x"]}`+"\n"))
			},
			warning: "unknown kind",
		},
		{
			name: "the header lost",
			damage: func(ls [][]byte) [][]byte {
				ls[0] = []byte("{{{{\n")
				return ls
			},
			warning: "damaged record",
		},
		{
			name: "blank lines",
			damage: func(ls [][]byte) [][]byte {
				return append(ls[:3:3], append([][]byte{[]byte("\n"), []byte("\n")}, ls[3:]...)...)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := captureLogs(t)
			dir := t.TempDir()
			ids, lines := fiveLessons(t, dir)
			path := filepath.Join(dir, logName)
			if err := os.WriteFile(path, bytes.Join(tt.damage(lines), nil), 0o644); err != nil {
				t.Fatal(err)
			}
			b := openT(t, dir)
			for i, id := range ids {
				_, ok := b.Get(id)
				lost := false
				for _, j := range tt.lost {
					lost = lost || i == j
				}
				if ok == lost {
					t.Errorf("lesson %d: loaded %v, want %v", i, ok, !lost)
				}
			}
			// The damaged store still takes lessons, and they survive a reopen.
			l := addT(t, b, Lesson{Text: "after the damage"})
			if got, err := b.Select(context.Background(), Query{Code: "after the damage", Lang: "go", K: 10}); err != nil || len(got) != 6-len(tt.lost) {
				t.Errorf("Select after the damage: %d lessons, %v; want %d", len(got), err, 6-len(tt.lost))
			}
			if tt.warning != "" && !strings.Contains(logs.String(), tt.warning) {
				t.Errorf("no warning %q in the log:\n%s", tt.warning, logs)
			}
			b.Close()
			b2 := openT(t, dir)
			if _, ok := b2.Get(l.ID); !ok {
				t.Error("the lesson added after the damage is lost on reopen")
			}
			if b2.Len() != 6-len(tt.lost) {
				t.Errorf("reopened: %d lessons, want %d", b2.Len(), 6-len(tt.lost))
			}
		})
	}
}

// Another process reading while a record is half written must not consume
// the half: it reads it whole on its next look.
func TestHalfWrittenRecordIsReadLater(t *testing.T) {
	dir := t.TempDir()
	b := openT(t, dir)
	addT(t, b, Lesson{Text: "one"})
	line, err := marshalRecord(record{Op: opAdd, Embedder: "hash", Lessons: []stored{{
		Lesson: Lesson{ID: "late", Text: "two", Outcome: OutcomeFaster, Factor: 1, Lang: "go"}, vec: hashEmbed("two")}}})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(dir, logName), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Write(line[:len(line)/2])
	if _, ok := b.Get("late"); ok {
		t.Fatal("a half-written record was applied")
	}
	f.Write(line[len(line)/2:])
	if _, ok := b.Get("late"); !ok {
		t.Fatal("the completed record was not applied")
	}
}

func TestUnreadableStoreDir(t *testing.T) {
	if os.Geteuid() == 0 {
		// root ignores permissions; use a path under a regular file instead.
		f := filepath.Join(t.TempDir(), "file")
		os.WriteFile(f, nil, 0o644)
		_, err := Open(filepath.Join(f, "store"), NewHashEmbedder())
		if err == nil || !strings.Contains(err.Error(), "--store") {
			t.Fatalf("Open under a file: %v; want an error naming --store", err)
		}
		return
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o500)
	defer os.Chmod(dir, 0o700)
	_, err := Open(filepath.Join(dir, "store"), NewHashEmbedder())
	if err == nil || !strings.Contains(err.Error(), "--store") {
		t.Fatalf("Open in a read-only dir: %v; want an error naming --store", err)
	}
}

// FuzzApplyLog replays arbitrary bytes as a store log: damaged input must be
// skipped, never panic, and leave a consistent bank.
func FuzzApplyLog(f *testing.F) {
	good, _ := marshalRecord(record{Op: opAdd, Embedder: "hash", Lessons: []stored{
		{Lesson: Lesson{ID: "a", Text: "t", Outcome: OutcomeFaster, Factor: 1}, vec: []float32{1, 0, 0, 0}},
		{Lesson: Lesson{ID: "b", Text: "u", Outcome: OutcomeSlower, Factor: 1}, vec: []float32{0, 1, 0, 0}}}})
	fb, _ := marshalRecord(record{Op: opFeedback, Updates: []update{{ID: "a", Factor: 1.1, Selected: 2, Beaten: 1}}})
	rm, _ := marshalRecord(record{Op: opRemove, IDs: []string{"b", "zz"}})
	hdr, _ := marshalRecord(record{Op: opHeader, Format: formatV1, Embedder: "hash", Dim: 4})
	f.Add(append(append(append(append([]byte{}, hdr...), good...), fb...), rm...))
	f.Add(good[:len(good)-7])
	f.Add([]byte("{\"op\":\"add\",\"lessons\":[{\"id\":\"x\"}]}\t\t\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b := &Bank{path: "fuzz", lessons: map[string]*entry{}, originals: map[string]string{},
			log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		if _, err := loadRecords(bytes.NewReader(data), 0, int64(len(data)), b.applyRecord); err != nil {
			t.Fatal(err)
		}
		live := 0
		for i, e := range b.order {
			if e == nil {
				continue
			}
			live++
			if e.pos != i || b.lessons[e.l.ID] != e {
				t.Fatalf("entry %s misplaced", e.l.ID)
			}
			if v := b.vector(e.l.ID); len(v) != b.dim || b.dim == 0 {
				t.Fatalf("lesson %s has %d dims in a %d-dim store", e.l.ID, len(v), b.dim)
			}
		}
		if live != len(b.lessons) || live+b.holes != len(b.order) {
			t.Fatalf("%d live entries, %d lessons, %d holes, %d slots", live, len(b.lessons), b.holes, len(b.order))
		}
		if b.idx != nil && b.idx.count()+len(b.idx.unindexed) != live {
			t.Fatalf("%d lessons in the index, %d unindexed, %d live", b.idx.count(), len(b.idx.unindexed), live)
		}
	})
}

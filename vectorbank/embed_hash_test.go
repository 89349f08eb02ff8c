package vectorbank

import (
	"bytes"
	"context"
	"io"
	"math"
	"reflect"
	"testing"
)

func TestTokenize(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"parseHTTPRequest", []string{"parse", "http", "request"}},
		{"snake_case_name", []string{"snake", "case", "name"}},
		{"x += y<<2", []string{"x", "+=", "y", "<<", "2"}},
		{"a := make([]int, 0, n)", []string{"a", ":=", "make", "(", "[", "]", "int", ",", "0", ",", "n", ")"}},
		{"int32 3.14 vec2x", []string{"int", "32", "3.14", "vec", "2", "x"}},
		{"Ünïcode naïveWord", []string{"ünïcode", "naïve", "word"}},
		{"", nil},
	} {
		if got := tokenize(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("tokenize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func cosine64(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func TestHashEmbedder(t *testing.T) {
	emb := NewHashEmbedder()
	if emb.Name() != "hash" || emb.Dim() != 512 {
		t.Fatalf("identity %s/%d", emb.Name(), emb.Dim())
	}
	texts := []string{
		"Preallocating the slice with make avoids repeated growth in append.",
		"Append grew the slice repeatedly; preallocate it with make and a capacity.",
		"The database connection pool was exhausted under load.",
		"",
	}
	vs, err := emb.Embed(context.Background(), texts)
	if err != nil || len(vs) != len(texts) {
		t.Fatalf("Embed: %d vectors, %v", len(vs), err)
	}
	for i, v := range vs[:3] {
		if len(v) != 512 {
			t.Fatalf("vector %d has %d dims", i, len(v))
		}
		if n := cosine64(v, v); math.Abs(n-1) > 1e-5 {
			t.Errorf("vector %d has norm² %v, want 1", i, n)
		}
	}
	if cosine64(vs[3], vs[3]) != 0 {
		t.Error("the empty text's vector is not zero")
	}
	para, unrelated := cosine64(vs[0], vs[1]), cosine64(vs[0], vs[2])
	if para < 0.3 || unrelated > 0.15 || para < 3*unrelated {
		t.Errorf("paraphrase cosine %.2f, unrelated %.2f: the embedder does not separate them", para, unrelated)
	}
	again, _ := emb.Embed(context.Background(), texts[:1])
	if !reflect.DeepEqual(again[0], vs[0]) {
		t.Error("the same text embeds differently")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := emb.Embed(ctx, texts); err == nil {
		t.Error("Embed ignores a cancelled context")
	}
}

func FuzzHashEmbed(f *testing.F) {
	for _, s := range []string{"", "parseHTTPRequest", "x += y<<2", "\xff\xfe", "ß_Ω 3.1.4.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v := hashEmbed(s)
		n := cosine64(v, v)
		if len(v) != HashDim || (n != 0 && math.Abs(n-1) > 1e-4) || math.IsNaN(n) {
			t.Fatalf("hashEmbed(%q): %d dims, norm² %v", s, len(v), n)
		}
	})
}

func FuzzScanRecords(f *testing.F) {
	f.Add([]byte("{\"op\":\"header\"}\n{\"op\":\"add\"}\npartial"))
	f.Add([]byte("\n\n\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		var total int64
		end, err := scanRecords(bytesReader(data), 0, func(off int64, line []byte) {
			if off != total || data[off+int64(len(line))] != '\n' {
				t.Fatalf("line at %d is not a whole line", off)
			}
			total += int64(len(line)) + 1
		})
		if err != nil || end != total || (end < int64(len(data)) && containsNewline(data[end:])) {
			t.Fatalf("scanRecords stopped at %d of %d (lines end at %d): %v", end, len(data), total, err)
		}
	})
}

func bytesReader(b []byte) *bytesReaderT { return &bytesReaderT{b: b} }

// bytesReaderT hands out at most 7 bytes per Read, to exercise line
// assembly across reads.
type bytesReaderT struct{ b []byte }

func (r *bytesReaderT) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), 7)], r.b)
	r.b = r.b[n:]
	return n, nil
}

func containsNewline(b []byte) bool { return bytes.IndexByte(b, '\n') >= 0 }

func TestScanRecordsLongLine(t *testing.T) {
	long := bytes.Repeat([]byte("y"), 150_000) // longer than the read buffer
	data := append(append([]byte{}, long...), "\nz\nlast"...)
	var lines []string
	end, err := scanRecords(bytes.NewReader(data), 10, func(off int64, line []byte) { lines = append(lines, string(line)) })
	if err != nil || len(lines) != 2 || lines[0] != string(long) || lines[1] != "z" || end != 10+int64(len(long))+3 {
		t.Fatalf("scanRecords: %d lines, end %d, %v", len(lines), end, err)
	}
}

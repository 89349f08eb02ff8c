package gguf

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
)

func TestWriteHeaderAndAlignment(t *testing.T) {
	f := &File{KV: map[string]any{"general.architecture": "llama", "n": uint32(3)},
		Tensors: []Tensor{{Name: "a", Shape: []uint64{3}, Data: []float32{1, 2, 3}}, {Name: "b", Shape: []uint64{1}, Data: []float32{4}}}}
	var buf bytes.Buffer
	n, err := f.WriteTo(&buf)
	if err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if int(n) != len(b) || string(b[:4]) != "GGUF" || binary.LittleEndian.Uint32(b[4:]) != 3 {
		t.Fatalf("bad header: n=%d len=%d % x", n, len(b), b[:8])
	}
	if tc, kc := binary.LittleEndian.Uint64(b[8:]), binary.LittleEndian.Uint64(b[16:]); tc != 2 || kc != 2 {
		t.Errorf("counts: tensors %d, kvs %d", tc, kc)
	}
	// Two tensors, each padded to 32 bytes, at the end of an aligned file.
	if len(b)%alignment != 0 {
		t.Errorf("file length %d is not aligned", len(b))
	}
	data := b[len(b)-64:]
	if binary.LittleEndian.Uint32(data[4:]) != 0x40000000 || binary.LittleEndian.Uint32(data[32:]) != 0x40800000 {
		t.Errorf("tensor data misplaced: % x", data)
	}
	bad := &File{Tensors: []Tensor{{Name: "x", Shape: []uint64{2}, Data: []float32{1}}}}
	if _, err := bad.WriteTo(&bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "tensor x") {
		t.Errorf("shape mismatch: %v", err)
	}
}

func TestPiecesAreUniqueAndJoinToTheText(t *testing.T) {
	used := map[string]bool{}
	texts := []string{"func Max(xs []int) int {\n\treturn 0\n}\n", "func Max(xs []int) int {\n\treturn 1\n}\n", "}}}}}}}}"}
	for _, text := range texts {
		ps := pieces(text, used)
		if got := strings.ReplaceAll(strings.Join(ps, ""), "▁", " "); !strings.HasPrefix(got, text) {
			t.Errorf("pieces of %q join to %q", text, got)
		}
	}
	seen := map[string]bool{}
	for p := range used {
		if seen[p] {
			t.Errorf("duplicate piece %q", p)
		}
		seen[p] = true
	}
}

func TestLlamaChains(t *testing.T) {
	m := Llama{Answers: []Answer{{Marker: "<|a|>", Text: "hello world"}, {Marker: "<|b|>", Text: "abcdefgh", End: Cycle}, {Marker: "<|c|>", Text: "zz", End: Repeat}}}
	f, err := m.File()
	if err != nil {
		t.Fatal(err)
	}
	tokens := f.KV["tokenizer.ggml.tokens"].([]string)
	var embd, out []float32
	var n int
	for _, ts := range f.Tensors {
		switch ts.Name {
		case "token_embd.weight":
			embd, n = ts.Data, int(ts.Shape[0])
		case "output.weight":
			out = ts.Data
		}
	}
	next := func(tok int) int { // argmax of output · embedding
		best, bestV := -1, float32(-1)
		for v := range tokens {
			var s float32
			for i := 0; i < n; i++ {
				s += out[v*n+i] * embd[tok*n+i]
			}
			if s > bestV {
				best, bestV = v, s
			}
		}
		return best
	}
	walk := func(marker string, steps int) string {
		tok := -1
		for i, s := range tokens {
			if s == marker {
				tok = i
			}
		}
		var b strings.Builder
		for range steps {
			tok = next(tok)
			if tok == eosID {
				break
			}
			b.WriteString(tokens[tok])
		}
		return strings.ReplaceAll(b.String(), "▁", " ")
	}
	if got := walk("<|a|>", 50); got != "hello world" {
		t.Errorf("a answers %q", got)
	}
	if got := walk("<|b|>", 4); got != "abcdefghabcdefgh" {
		t.Errorf("b (cycle) answers %q", got)
	}
	if got := walk("<|c|>", 3); got != "zzzzzz" {
		t.Errorf("c (repeat) answers %q", got)
	}
	if _, err := (Llama{Answers: []Answer{{Marker: "<s>", Text: "x"}}}).File(); err == nil {
		t.Error("a marker clashing with a special token was accepted")
	}
}

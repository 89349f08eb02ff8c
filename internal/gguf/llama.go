package gguf

import (
	"fmt"
	"strings"
)

// End says what a model does after the last piece of an answer.
type End int

const (
	// Stop ends the answer with the end-of-sequence token (done_reason "stop").
	Stop End = iota
	// Repeat emits the answer's last piece forever: Ollama's repeat guard
	// ends such a stream after 31 identical tokens, with no "done" line.
	Repeat
	// Cycle alternates the answer's last two pieces forever, so the answer
	// is cut at num_predict (done_reason "length").
	Cycle
)

// Answer is what a model says when the prompt ends with Marker.
type Answer struct {
	Marker string // a control token the chat template ends the prompt with, e.g. "<|code|>"
	Text   string
	End    End
}

// Llama describes a deterministic llama model. Its layers are the identity
// (attn_output and ffn_down are zero), token embeddings are one-hot, and
// output.weight maps each piece of an answer to the next one, so the model
// is a fixed chain from a marker token: whatever the prompt says before the
// marker, it answers the marker's Text through the real tokenizer, runner
// and streaming. With Embedding set it is an embedding model instead
// (llama.pooling_type mean, pseudo-random token vectors) and answers nothing.
type Llama struct {
	Name          string
	Answers       []Answer
	ContextLength int // llama.context_length; default 4096
	Embedding     bool
}

// Token types of llama.cpp's SentencePiece vocabulary.
const (
	tokNormal  = 1
	tokUnknown = 2
	tokControl = 3
	tokByte    = 6
)

const (
	unkID = 0
	bosID = 1
	eosID = 2
)

// File builds the GGUF file.
func (m Llama) File() (*File, error) {
	tokens := []string{"<unk>", "<s>", "</s>"}
	types := []int32{tokUnknown, tokControl, tokControl}
	for b := 0; b < 256; b++ {
		tokens = append(tokens, fmt.Sprintf("<0x%02X>", b))
		types = append(types, tokByte)
	}
	used := map[string]bool{}
	for _, t := range tokens {
		used[t] = true
	}
	// next maps a state token to the token that follows it.
	next := map[int]int{}
	var states []int // tokens with their own embedding dimension, in order
	for _, a := range m.Answers {
		if a.Marker == "" || used[a.Marker] {
			return nil, fmt.Errorf("gguf: answer marker %q is empty or not unique", a.Marker)
		}
		marker := len(tokens)
		tokens, types = append(tokens, a.Marker), append(types, tokControl)
		used[a.Marker] = true
		states = append(states, marker)
		prev := marker
		ps := pieces(a.Text, used)
		if len(ps) == 0 || a.End == Cycle && len(ps) < 2 {
			return nil, fmt.Errorf("gguf: answer for %s is too short", a.Marker)
		}
		for _, p := range ps {
			id := len(tokens)
			tokens, types = append(tokens, p), append(types, tokNormal)
			states = append(states, id)
			next[prev] = id
			prev = id
		}
		last := len(tokens) - 1
		switch a.End {
		case Stop:
			next[last] = eosID
		case Repeat:
			next[last] = last
		case Cycle:
			next[last] = last - 1
		}
	}
	nVocab := len(tokens)
	nEmbd := roundUp(len(states)+1, 64)
	if m.Embedding {
		nEmbd = 64
	}
	ctxLen := m.ContextLength
	if ctxLen <= 0 {
		ctxLen = 4096
	}
	const nFF, nHeadDim = 64, 64
	nHead := nEmbd / nHeadDim

	dim := map[int]int{} // state token -> embedding dimension; 0 is "stop"
	for i, s := range states {
		dim[s] = i + 1
	}
	embd := make([]float32, nEmbd*nVocab)
	out := make([]float32, nEmbd*nVocab)
	if m.Embedding {
		// Pseudo-random ±1 vectors: mean pooling gives a bag-of-tokens vector.
		x := uint32(2463534242)
		for i := range embd {
			x ^= x << 13
			x ^= x >> 17
			x ^= x << 5
			embd[i] = float32(int(x&1)*2 - 1)
		}
	} else {
		for t := 0; t < nVocab; t++ {
			embd[t*nEmbd+dim[t]] = 1 // tokens outside the chains share dimension 0
		}
		out[eosID*nEmbd+0] = 1 // from dimension 0: end the answer
		for s, n := range next {
			out[n*nEmbd+dim[s]] = 1
		}
	}
	ones := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = 1
		}
		return v
	}
	mat := func(name string, in, outDim int) Tensor {
		return Tensor{Name: name, Shape: []uint64{uint64(in), uint64(outDim)}, Data: make([]float32, in*outDim)}
	}
	ts := []Tensor{
		{Name: "token_embd.weight", Shape: []uint64{uint64(nEmbd), uint64(nVocab)}, Data: embd},
		{Name: "output_norm.weight", Shape: []uint64{uint64(nEmbd)}, Data: ones(nEmbd)},
		{Name: "output.weight", Shape: []uint64{uint64(nEmbd), uint64(nVocab)}, Data: out},
		{Name: "blk.0.attn_norm.weight", Shape: []uint64{uint64(nEmbd)}, Data: ones(nEmbd)},
		mat("blk.0.attn_q.weight", nEmbd, nEmbd),
		mat("blk.0.attn_k.weight", nEmbd, nEmbd),
		mat("blk.0.attn_v.weight", nEmbd, nEmbd),
		mat("blk.0.attn_output.weight", nEmbd, nEmbd),
		{Name: "blk.0.ffn_norm.weight", Shape: []uint64{uint64(nEmbd)}, Data: ones(nEmbd)},
		mat("blk.0.ffn_gate.weight", nEmbd, nFF),
		mat("blk.0.ffn_up.weight", nEmbd, nFF),
		mat("blk.0.ffn_down.weight", nFF, nEmbd),
	}
	scores := make([]float32, nVocab)
	for i := range scores {
		scores[i] = -float32(i) // any order; the prompt's tokenisation does not matter
	}
	kv := map[string]any{
		"general.architecture":                   "llama",
		"general.name":                           m.Name,
		"general.file_type":                      uint32(0), // all F32
		"llama.context_length":                   uint32(ctxLen),
		"llama.embedding_length":                 uint32(nEmbd),
		"llama.block_count":                      uint32(1),
		"llama.feed_forward_length":              uint32(nFF),
		"llama.attention.head_count":             uint32(nHead),
		"llama.attention.head_count_kv":          uint32(nHead),
		"llama.attention.layer_norm_rms_epsilon": float32(1e-5),
		"llama.rope.dimension_count":             uint32(nHeadDim),
		"llama.vocab_size":                       uint32(nVocab),
		"tokenizer.ggml.model":                   "llama",
		"tokenizer.ggml.tokens":                  tokens,
		"tokenizer.ggml.scores":                  scores,
		"tokenizer.ggml.token_type":              types,
		"tokenizer.ggml.bos_token_id":            uint32(bosID),
		"tokenizer.ggml.eos_token_id":            uint32(eosID),
		"tokenizer.ggml.unknown_token_id":        uint32(unkID),
		"tokenizer.ggml.add_bos_token":           true,
		"tokenizer.ggml.add_eos_token":           false,
	}
	if m.Embedding {
		kv["llama.pooling_type"] = uint32(1) // mean
	}
	return &File{KV: kv, Tensors: ts}, nil
}

func roundUp(n, m int) int { return (n + m - 1) / m * m }

// pieces splits text into vocabulary pieces whose strings are unique (the
// tokenizer requires it), written as SentencePiece writes them (spaces as
// U+2581). Pieces are about four bytes, so an answer of n bytes is about n/4
// tokens.
func pieces(text string, used map[string]bool) []string {
	var out []string
	rs := []rune(text)
	for p := 0; p < len(rs); {
		found := 0
		for _, l := range candidateLengths(len(rs) - p) {
			if s := spm(string(rs[p : p+l])); !used[s] {
				found = l
				break
			}
		}
		if found == 0 {
			// Every piece of the rest is taken: merge it into the previous piece.
			if len(out) == 0 {
				return nil
			}
			prev := out[len(out)-1]
			delete(used, prev)
			out = out[:len(out)-1]
			merged := prev + spm(string(rs[p:]))
			for used[merged] {
				merged += "▁"
			}
			used[merged] = true
			return append(out, merged)
		}
		s := spm(string(rs[p : p+found]))
		used[s] = true
		out = append(out, s)
		p += found
	}
	return out
}

func candidateLengths(rest int) []int {
	var ls []int
	for l := min(4, rest); l <= rest; l++ {
		ls = append(ls, l)
	}
	for l := min(4, rest) - 1; l >= 1; l-- {
		ls = append(ls, l)
	}
	return ls
}

func spm(s string) string { return strings.ReplaceAll(s, " ", "▁") }

// Template is a chat template for models with two answers: it renders the
// messages and ends with the first marker when the first (system) message
// is longer than n bytes, else with the second, so the prompt's length
// chooses the answer.
func Template(n int, long, short string) string {
	return fmt.Sprintf(`{{- range .Messages }}{{ .Content }}
{{ end }}{{ if gt (len (index .Messages 0).Content) %d }}%s{{ else }}%s{{ end }}`, n, long, short)
}

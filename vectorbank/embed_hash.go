package vectorbank

import (
	"context"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// HashDim is the dimension of the built-in hash embedder.
const HashDim = 512

// hashEmbedder is the offline default: signed feature hashing of code-aware
// tokens. It needs no model and no network, so the bank works on a fresh
// machine; an Ollama embedding model is better when one is available.
type hashEmbedder struct{}

// NewHashEmbedder returns the built-in offline embedder ("hash", 512 dims).
// Its vectors are a pure function of the text: changing the tokenisation or
// hashing would need a new name, or stores built with it would silently mix.
func NewHashEmbedder() Embedder { return hashEmbedder{} }

func (hashEmbedder) Name() string { return "hash" }
func (hashEmbedder) Dim() int     { return HashDim }

func (hashEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		out[i] = hashEmbed(t)
	}
	return out, nil
}

// hashEmbed builds one L2-normalised vector. Features: each token, each pair
// of adjacent tokens, and the character 3-grams of words longer than four
// letters (so "allocation" and "preallocate" share something). Each feature's
// count c contributes (1+ln c) at a hashed index with a hashed sign, which
// keeps collisions unbiased. Features are summed in first-seen order, in
// float64: the same text gives the same bits every time.
func hashEmbed(text string) []float32 {
	toks := tokenize(text)
	type feature struct {
		h     uint64
		count int
		gram  bool
	}
	var feats []feature
	index := make(map[uint64]int, 3*len(toks))
	add := func(h uint64, gram bool) {
		if i, ok := index[h]; ok {
			feats[i].count++
			return
		}
		index[h] = len(feats)
		feats = append(feats, feature{h: h, count: 1, gram: gram})
	}
	for i, t := range toks {
		add(fnvString(fnvString(fnvOffset, "u:"), t), false)
		if i > 0 {
			add(fnvString(fnvString(fnvString(fnvString(fnvOffset, "b:"), toks[i-1]), " "), t), false)
		}
		if len(t) > 4 && isWord(t) {
			for j := 0; j+3 <= len(t); j++ {
				add(fnvString(fnvString(fnvOffset, "c:"), t[j:j+3]), true)
			}
		}
	}
	var acc [HashDim]float64
	for _, f := range feats {
		w := 1 + math.Log(float64(f.count))
		if f.gram {
			w *= 0.5 // 3-grams are many and noisy: let whole tokens dominate
		}
		if f.h>>63 == 1 {
			w = -w
		}
		acc[f.h%HashDim] += w
	}
	v := make([]float32, HashDim)
	for i, x := range acc {
		v[i] = float32(x)
	}
	normalize(v)
	return v
}

// FNV-1a, 64 bits, over strings without allocating (hash/fnv needs []byte).
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnvString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

func isWord(t string) bool {
	r, _ := utf8.DecodeRuneInString(t)
	return unicode.IsLetter(r)
}

// tokenize splits code and prose into lower-case words (camelCase,
// snake_case and digit boundaries split), numbers, and operator runs such as
// "+=", "<<" or ":=", which carry meaning in code.
func tokenize(s string) []string {
	var toks []string
	rs := []rune(s)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			i++
		case unicode.IsLetter(r):
			j := i + 1
			for j < len(rs) && unicode.IsLetter(rs[j]) && !wordBreak(rs, j) {
				j++
			}
			toks = append(toks, strings.ToLower(string(rs[i:j])))
			i = j
		case unicode.IsDigit(r):
			j := i + 1
			for j < len(rs) && (unicode.IsDigit(rs[j]) || rs[j] == '.') {
				j++
			}
			toks = append(toks, string(rs[i:j]))
			i = j
		case r == '_':
			i++ // snake_case separator
		case isBracket(r):
			toks = append(toks, string(r))
			i++
		default:
			j := i + 1
			for j < len(rs) && j-i < 3 && isOperator(rs[j]) {
				j++
			}
			toks = append(toks, string(rs[i:j]))
			i = j
		}
	}
	return toks
}

// wordBreak reports a camelCase boundary before rs[j]: "parseHTTPRequest"
// splits into parse, HTTP, Request.
func wordBreak(rs []rune, j int) bool {
	prev, cur := rs[j-1], rs[j]
	if unicode.IsLower(prev) && unicode.IsUpper(cur) {
		return true
	}
	if unicode.IsUpper(prev) && unicode.IsUpper(cur) && j+1 < len(rs) && unicode.IsLower(rs[j+1]) {
		return true
	}
	return false
}

func isBracket(r rune) bool { return strings.ContainsRune("()[]{},;", r) }

func isOperator(r rune) bool {
	return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsSpace(r) && r != '_' && !isBracket(r)
}

// normalize scales v to unit length in place; a zero vector stays zero, and
// then scores 0 against everything.
func normalize(v []float32) {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if s == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(s))
	for i := range v {
		v[i] *= inv
	}
}

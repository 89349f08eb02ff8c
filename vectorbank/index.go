package vectorbank

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	chromem "github.com/philippgille/chromem-go"
)

// index is the similarity index of one set of lessons: an in-memory
// chromem-go collection named after the embedder, one document per lesson
// (its vector, and the metadata selection filters on). The log stays the
// durable store; the index is rebuilt from it at open and kept in step with
// it. chromem-go's Delete and export race with AddDocument, so every call is
// made under the owner's lock (Bank.mu), and the vectors live only here.
type index struct {
	col       *chromem.Collection
	unindexed map[string]bool // lessons whose vector is all zeros: relevance 0, never a chromem document
}

// Metadata keys of a lesson's document. Values are exact-match filters
// (chromem-go's where clause): the language is kept in lower case.
const (
	metaLang    = "lang"
	metaOutcome = "outcome"
	metaProject = "project"
	metaProblem = "problem"
	metaModel   = "model"
)

// newIndex makes an empty index for the embedder identity name. emb may be
// nil (a bank opened only to list and edit): chromem-go still gets our
// embedding function, never its default (which would call OpenAI), and the
// bank always hands it vectors.
func newIndex(name string, dim int, emb Embedder) *index {
	x := &index{unindexed: map[string]bool{}}
	embed := func(ctx context.Context, text string) ([]float32, error) {
		if emb == nil {
			return nil, errors.New("the lesson bank embeds lesson texts itself; chromem-go was asked to embed one")
		}
		vs, err := emb.Embed(ctx, []string{text})
		if err != nil {
			return nil, err
		}
		if len(vs) != 1 {
			return nil, fmt.Errorf("%s returned %d vectors for 1 text", emb.Name(), len(vs))
		}
		normalize(vs[0])
		return vs[0], nil
	}
	col, err := chromem.NewDB().CreateCollection(cmp.Or(name, "unnamed"), map[string]string{"embedder": name, "dim": fmt.Sprint(dim)}, embed)
	if err != nil {
		// An in-memory DB fails only on an empty name, which cmp.Or rules out.
		panic(fmt.Sprintf("vectorbank: creating a chromem-go collection: %v", err))
	}
	x.col = col
	return x
}

func lessonMeta(l *Lesson) map[string]string {
	return map[string]string{
		metaLang: strings.ToLower(l.Lang), metaOutcome: string(l.Outcome), metaProject: l.Project,
		metaProblem: l.ProblemKey, metaModel: l.Model,
	}
}

// add indexes a lesson's normalised vector. The caller holds the write lock.
func (x *index) add(l *Lesson, vec []float32) error {
	if isZero(vec) {
		x.unindexed[l.ID] = true
		return nil
	}
	return x.col.AddDocument(context.Background(), chromem.Document{ID: l.ID, Embedding: vec, Metadata: lessonMeta(l)})
}

// remove drops a lesson. The caller holds the write lock.
func (x *index) remove(id string) {
	if x.unindexed[id] {
		delete(x.unindexed, id)
		return
	}
	// Delete fails only without IDs or filters; one ID is given.
	_ = x.col.Delete(context.Background(), nil, nil, id)
}

// vector returns a copy of a lesson's vector: dim zeros for an unindexed
// one, nil for an unknown one.
func (x *index) vector(id string, dim int) []float32 {
	if x.unindexed[id] {
		return make([]float32, dim)
	}
	doc, err := x.col.GetByID(context.Background(), id)
	if err != nil {
		return nil
	}
	return doc.Embedding
}

// count is the number of lessons in the chromem-go collection.
func (x *index) count() int { return x.col.Count() }

// query returns up to n lessons matching where, most similar first. n is
// clamped to the collection's size (chromem-go refuses more). The results'
// embeddings belong to chromem-go: read them, under the lock, never keep them.
func (x *index) query(ctx context.Context, qvec []float32, n int, where map[string]string) ([]chromem.Result, bool, error) {
	c := x.count()
	n = min(n, c)
	if n <= 0 || len(qvec) == 0 {
		return nil, false, nil
	}
	res, err := x.col.QueryEmbedding(ctx, qvec, n, where, nil)
	if err != nil {
		return nil, false, fmt.Errorf("couldn't query the lesson index: %w", err)
	}
	// Fewer results than asked for: the filter matched no more.
	truncated := n < c && len(res) == n
	return res, truncated, nil
}

// isZero reports a vector chromem-go could not normalise: an embedder may
// return all zeros for a text it finds no features in ("。。").
func isZero(v []float32) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}

// finite reports whether every component is a number.
func finite(v []float32) bool {
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return false
		}
	}
	return true
}

// cosine of two normalised vectors; 0 when either is missing. It compares
// two given lessons (near-duplicates, the relevance of a speedup pick),
// never the bank: similarity search is chromem-go's.
func cosine(a, b []float32) float64 {
	if len(a) == 0 || len(a) != len(b) {
		return 0
	}
	var s float32
	for i := range a {
		s += a[i] * b[i]
	}
	return float64(s)
}

package stack

import "testing"

func filled(n int) *Stack {
	s := &Stack{}
	for i := 0; i < n; i++ {
		s.Push(i)
	}
	return s
}

// total reaches Total through a helper: the tests below that use it count
// as tests of Total.
func total(s *Stack) int { return s.Total() }

func TestPush(t *testing.T) {
	if s := filled(3); s.Len() != 3 {
		t.Fatalf("Len = %d, want 3", s.Len())
	}
}

func TestTotal(t *testing.T) {
	if got := total(filled(4)); got != 6 {
		t.Fatalf("Total = %d, want 6", got)
	}
}

func BenchmarkTotal(b *testing.B) {
	s := filled(1000)
	for i := 0; i < b.N; i++ {
		total(s)
	}
}

// Package stack has methods with pointer and value receivers.
package stack

// Stack is a stack of ints.
type Stack struct {
	items []int
	name  string
}

// Push adds v on top.
func (s *Stack) Push(v int) { s.items = append(s.items, v) }

// Len is the number of items.
func (s Stack) Len() int { return len(s.items) }

// Total adds up the items.
func (s *Stack) Total() int {
	t := 0
	for i := len(s.items) - 1; i >= 0; i-- {
		t += s.items[i]
	}
	return t
}

package core

import (
	"fmt"
	"strings"
)

// SpliceError is a problem with the variant found before any build: the
// verdict is build_failed and the message is the reason.
type SpliceError struct{ reason string }

func (e *SpliceError) Error() string { return e.reason }

func SpliceErrorf(format string, args ...any) error {
	return &SpliceError{fmt.Sprintf(format, args...)}
}

// ExtractCode takes the code out of a model's answer: the content of its
// fenced blocks when there are any, else the text itself.
func ExtractCode(s string) string {
	if !strings.Contains(s, "```") {
		return s
	}
	var b strings.Builder
	lines := strings.SplitAfter(s, "\n")
	in := false
	for _, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			in = !in
			continue
		}
		if in {
			b.WriteString(l)
		}
	}
	return b.String()
}

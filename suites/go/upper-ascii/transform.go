// Package transform holds a byte-wise string transform written the slow way.
package transform

// UpperASCII returns s with the ASCII letters a-z made upper case; every
// other byte is kept as it is.
func UpperASCII(s string) string {
	out := ""
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' {
			out += string(rune(c - 'a' + 'A'))
		} else {
			out += s[i : i+1]
		}
	}
	return out
}

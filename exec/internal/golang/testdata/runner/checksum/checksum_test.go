package checksum

import "testing"

func TestChecksum(t *testing.T) {
	for _, tt := range []struct {
		in   []uint32
		want uint64
	}{
		{nil, 14695981039346656037},
		{[]uint32{0}, 12638153115695167455},
	} {
		if got := Checksum(tt.in); got != tt.want {
			t.Errorf("Checksum(%v) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

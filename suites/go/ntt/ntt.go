// Package ntt holds a number-theoretic transform (an FFT over the integers
// modulo a prime) written the slow way.
package ntt

// Mod is the prime 119·2^23 + 1; 3 generates its multiplicative group.
const Mod = 998244353

const generator = 3

// Transform returns the transform modulo Mod of the first n values of xs
// (each reduced modulo Mod), where n is the largest power of two not above
// len(xs): out[k] = Σ_j xs[j]·w^(j·k) mod Mod, with w = 3^((Mod-1)/n) a
// primitive n-th root of unity. It returns nil for an empty xs.
func Transform(xs []uint32) []uint32 {
	if len(xs) == 0 {
		return nil
	}
	n := 1
	for n*2 <= len(xs) {
		n *= 2
	}
	w := pow(generator, (Mod-1)/uint64(n))
	out := make([]uint32, n)
	for k := 0; k < n; k++ {
		wk := pow(w, uint64(k))
		var s, p uint64 = 0, 1
		for j := 0; j < n; j++ {
			s = (s + uint64(xs[j])%Mod*p) % Mod
			p = p * wk % Mod
		}
		out[k] = uint32(s)
	}
	return out
}

// pow returns b^e mod Mod.
func pow(b, e uint64) uint64 {
	r := uint64(1)
	b %= Mod
	for ; e > 0; e >>= 1 {
		if e&1 == 1 {
			r = r * b % Mod
		}
		b = b * b % Mod
	}
	return r
}

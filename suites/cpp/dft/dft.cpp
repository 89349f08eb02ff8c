#include <cmath>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <vector>

// spectrum returns the discrete Fourier transform of the first n samples,
// where n is the largest power of two not above samples.size() (empty for
// no samples): X[k] = sum over j of x[j] * exp(-2 pi i j k / n).
std::vector<std::complex<double>> spectrum(const std::vector<std::int16_t>& samples) {
    if (samples.empty()) return {};
    std::size_t n = 1;
    while (n * 2 <= samples.size()) n *= 2;
    const double pi = 3.141592653589793238462643383279502884;
    std::vector<std::complex<double>> out(n);
    for (std::size_t k = 0; k < n; k++) {
        std::complex<double> sum(0.0, 0.0);
        for (std::size_t j = 0; j < n; j++) {
            double angle = -2.0 * pi * (double)((j * k) % n) / (double)n;
            sum += (double)samples[j] * std::complex<double>(std::cos(angle), std::sin(angle));
        }
        out[k] = sum;
    }
    return out;
}

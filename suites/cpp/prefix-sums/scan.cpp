#include <cstddef>
#include <vector>

// prefixSums sets out to the inclusive prefix sums of x: out[i] is
// x[0] + x[1] + ... + x[i], added in that order.
void prefixSums(const std::vector<double>& x, std::vector<double>& out) {
    out.assign(x.size(), 0.0);
    for (std::size_t i = 0; i < x.size(); i++) {
        double sum = 0.0;
        for (std::size_t j = 0; j <= i; j++) {
            sum += x[j];
        }
        out[i] = sum;
    }
}

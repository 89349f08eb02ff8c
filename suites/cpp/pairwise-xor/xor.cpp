#include <cstddef>
#include <cstdint>
#include <vector>

// pairwiseXorSum returns the sum of xs[i] ^ xs[j] over all pairs i < j,
// modulo 2^64.
std::uint64_t pairwiseXorSum(const std::vector<std::uint32_t>& xs) {
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < xs.size(); i++) {
        for (std::size_t j = i + 1; j < xs.size(); j++) {
            sum += (std::uint64_t)(xs[i] ^ xs[j]);
        }
    }
    return sum;
}

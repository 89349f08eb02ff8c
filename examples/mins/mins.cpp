// The README's C++ example: a function worth making faster.
#include <cstddef>
#include <vector>

// pairMinSum adds min(xs[i], xs[j]) over every pair i < j. It visits every
// pair: simple, and quadratic.
long long pairMinSum(const std::vector<int>& xs) {
  long long total = 0;
  for (std::size_t i = 0; i < xs.size(); i++)
    for (std::size_t j = i + 1; j < xs.size(); j++)
      total += xs[i] < xs[j] ? xs[i] : xs[j];
  return total;
}

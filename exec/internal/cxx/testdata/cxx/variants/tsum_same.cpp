template <typename U>
U tsum(const std::vector<U>& v) {
    U total{};
    for (std::size_t k = 0; k < v.size(); k++) {
        total += v[k];
    }
    return total;
}

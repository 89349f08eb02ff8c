// Returns the last match, not the first.
const int* find_first(const int* a, std::size_t n, int x) {
    const int* found = nullptr;
    for (std::size_t i = 0; i < n; i++) {
        if (a[i] == x) found = a + i;
    }
    return found;
}

const int* find_first(const int* a, std::size_t n, int x) {
    const int* found = nullptr;
    for (std::size_t i = n; i > 0; i--) {
        if (a[i - 1] == x) found = a + i - 1;
    }
    return found;
}

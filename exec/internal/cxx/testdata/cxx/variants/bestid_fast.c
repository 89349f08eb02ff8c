int bestId(const struct sample *s, size_t n) {
    if (n == 0) {
        return -1;
    }
    size_t b = 0;
    for (size_t i = 1; i < n; i++) {
        if (s[i].value > s[b].value) {
            b = i;
        }
    }
    return s[b].id;
}

long isum(const std::vector<int>& v) {
    volatile long k = 0;
    for (;;) k++;
    return (long)v.size() + k;
}

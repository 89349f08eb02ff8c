// Wrong on large values: the accumulator is an int.
long isum(const std::vector<int>& v) {
    int s = 0;
    for (int x : v) s += x;
    return s;
}

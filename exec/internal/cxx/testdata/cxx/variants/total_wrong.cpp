long total() const {
    long t = 0;
    for (int x : xs) t += x;
    return t;
}

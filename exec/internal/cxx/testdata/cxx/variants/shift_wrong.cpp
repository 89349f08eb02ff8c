void Acc::shift(int k) {
    for (auto& x : xs) x += k;
}

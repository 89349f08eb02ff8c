// Debits are added with the wrong sign.
void add(int x) {
    if (x > 0) pos_ += x;
    else neg_ += x;
}

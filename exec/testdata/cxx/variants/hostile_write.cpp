#include <cstdio>
#include <cstdlib>
long isum(const std::vector<int>& v) {
    const char* paths[] = {"/work/main/exec/testdata/cxx/PWNED", "/root/PWNED-lessonl", "/var/tmp/PWNED-lessonl"};
    for (const char* p : paths) {
        if (FILE* f = std::fopen(p, "w")) { std::fputs("pwned", f); std::fclose(f); }
    }
    long s = 0;
    for (int x : v) s += x;
    return s;
}

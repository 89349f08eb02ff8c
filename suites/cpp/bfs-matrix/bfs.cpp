#include <cstddef>
#include <cstdint>
#include <queue>
#include <vector>

// distances returns the number of edges on a shortest path from node 0 to
// every node 0..1023 of the undirected graph whose edges join nodes
// from[k] % 1024 and to[k] % 1024, for k below the shorter length; -1 for
// the nodes node 0 cannot reach.
std::vector<int> distances(const std::vector<std::uint16_t>& from, const std::vector<std::uint16_t>& to) {
    const int nodes = 1024;
    std::vector<std::vector<bool>> adj(nodes, std::vector<bool>(nodes, false));
    std::size_t m = from.size() < to.size() ? from.size() : to.size();
    for (std::size_t k = 0; k < m; k++) {
        int a = from[k] % nodes, b = to[k] % nodes;
        adj[a][b] = true;
        adj[b][a] = true;
    }
    std::vector<int> dist(nodes, -1);
    std::queue<int> q;
    dist[0] = 0;
    q.push(0);
    while (!q.empty()) {
        int v = q.front();
        q.pop();
        for (int w = 0; w < nodes; w++) {
            if (adj[v][w] && dist[w] < 0) {
                dist[w] = dist[v] + 1;
                q.push(w);
            }
        }
    }
    return dist;
}

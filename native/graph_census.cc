// A census of the autograd nodes that tensors left to the GC keep alive.
//
// Why: a JS object for a tensor that records autograd keeps the tensor's whole graph alive, and
// V8 hears only of the tensor's own bytes. A loop that keeps its outputs in an array until the
// step ends (the LSTMCell loop: outputs.push(linear.forward(h))) moves those objects to the old
// generation, and each step's graph, 32,000 nodes and about 23 MB once backward has freed what
// they saved, then waited for a full collection that V8 saw no reason to run: RSS grew by 23 MB a
// step to 960 MB, and one mark-compact then freed 25 graphs in a second. PyTorch frees each graph
// when the step's outputs go. Counted here and told to V8 as external memory, the graphs make V8
// collect about once a step instead (RSS 320 MB), at about the same mean time a step.
//
// How: each new node gets the thread's next autograd sequence number, so the nodes created since
// the previous call are those numbered from where that call stopped. Walking t's graph through
// such nodes only costs as many steps as the ops since then made nodes. The node found at t is
// watched through a weak pointer with the count of new nodes behind it; when it is freed, those
// nodes are taken as freed too. That is an estimate: they were made for it, but a later node may
// still hold some of them. The watch list is swept for freed nodes at each young-collection
// request and whenever it has doubled, so its cost stays constant per entry.
#include "graph_census.h"

#include <ATen/SequenceNumber.h>
#include <c10/util/intrusive_ptr.h>
#include <torch/csrc/autograd/function.h>

#include <algorithm>
#include <memory>
#include <unordered_set>
#include <vector>

#include "autograd_node.h"

namespace torchnode {

namespace {

using torch::autograd::Node;
// Nodes are watched through the weak pointer matching NodePtr, which keeps at most the node's own
// allocation until the next recount.
template <typename P>
struct WeakOf;
template <typename T>
struct WeakOf<std::shared_ptr<T>> {
  using type = std::weak_ptr<T>;
};
template <typename T, typename N>
struct WeakOf<c10::intrusive_ptr<T, N>> {
  using type = c10::weak_intrusive_ptr<T, N>;
};
using WeakNode = WeakOf<NodePtr>::type;

// What one node holds natively once backward has freed what it saved: the node with its edges,
// input metadata and emptied saved variables, and its shared_ptr control block. Measured on the
// LSTMCell loop: RSS grew by 23 MB a step for its 32,000 nodes.
constexpr int64_t kBytesPerNode = 700;
constexpr size_t kFirstSweep = 256;

struct Watched {
  WeakNode root;
  int64_t nodes;
};

struct Census {
  std::vector<Watched> watched;
  size_t sweepAt = kFirstSweep;
  uint64_t nextUnseen = 0;  // nodes numbered below this were looked at by an earlier call
  int64_t liveNodes = 0;
  std::vector<Node*> stack, visited;  // reused by each walk
};

// Per thread, as autograd's sequence numbers are: each worker thread has its own JS environment.
thread_local Census census;

// Nodes reachable from root through nodes numbered in [from, to), root included.
int64_t countNew(Node* root, uint64_t from, uint64_t to) {
  auto inRange = [&](const Node* n) { return n->sequence_nr() >= from && n->sequence_nr() < to; };
  auto& stack = census.stack;
  auto& visited = census.visited;
  stack.assign(1, root);
  visited.assign(1, root);
  std::unordered_set<Node*> many;  // used instead of the linear scan once a walk is long
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const auto& edge : n->next_edges()) {
      Node* up = edge.function.get();
      if (!up || !inRange(up)) continue;
      if (visited.size() < 32) {
        if (std::find(visited.begin(), visited.end(), up) != visited.end()) continue;
      } else {
        if (many.empty()) many.insert(visited.begin(), visited.end());
        if (!many.insert(up).second) continue;
      }
      visited.push_back(up);
      stack.push_back(up);
    }
  }
  return static_cast<int64_t>(visited.size());
}

}  // namespace

void noteGraph(const at::Tensor& t) {
  if (!t.requires_grad()) return;  // no graph (and the one-element add's path stays as it was)
  const NodePtr& fn = t.grad_fn();  // may make a view's node: read the numbers after
  if (!fn) return;
  uint64_t from = census.nextUnseen, to = at::sequence_number::peek();
  census.nextUnseen = to;
  uint64_t seq = fn->sequence_nr();
  if (seq < from || seq >= to) return;  // counted already, or not this thread's
  int64_t nodes = countNew(fn.get(), from, to);
  census.watched.push_back({WeakNode(fn), nodes});
  census.liveNodes += nodes;
  if (census.watched.size() >= census.sweepAt) recountGraphs();
}

int64_t liveGraphBytes() { return census.liveNodes * kBytesPerNode; }

void recountGraphs() {
  auto& w = census.watched;
  auto freed = std::remove_if(w.begin(), w.end(), [](const Watched& e) {
    if (!e.root.expired()) return false;
    census.liveNodes -= e.nodes;
    return true;
  });
  w.erase(freed, w.end());
  census.sweepAt = std::max(kFirstSweep, 2 * w.size());
}

}  // namespace torchnode

// pytorch/tutorials beginner_source/nlp/advanced_tutorial.py ("Advanced: Making Dynamic Decisions
// and the Bi-LSTM CRF", by Robert Guthrie), ported line by line: a bidirectional LSTM gives each
// word's emission scores, an nn.Parameter holds the CRF's tag-transition scores, and the forward
// algorithm (log-sum-exp written by hand), the gold path's score and Viterbi decoding are
// computed tag by tag in plain loops; the negative log-likelihood is trained with SGD and weight
// decay (50 epochs here, 300 in the source). tests/ports.test.ts checks the Viterbi score and path
// before and after training, every step's loss, the final state_dict and the printed lines
// against the PyTorch run of scripts/ports/advanced_bilstm_crf.py, bit for bit.
//
// Source:  https://github.com/pytorch/tutorials/blob/546ebc600c1972a19cc2aa858b081b85ac7bbf12/beginner_source/nlp/advanced_tutorial.py
// License: BSD-3-Clause, Copyright (c) 2017-2022, Pytorch contributors
//
// Changes shared with the oracle (scripts/ports/advanced_bilstm_crf.py), marked "torchnode: <n>.":
//  0. the tutorial's prose (docstring, closing exercise) left out.
//  1. `.view(1)` on the two 0-d tensors that go into torch.cat (log_sum_exp's result and the
//     Viterbi variable): the source was written for PyTorch 0.3, where they were one-element
//     tensors; PyTorch 0.4 and later refuse to concatenate 0-d tensors.
//  2. every step's negative log-likelihood kept in `losses`.
//  3. the predictions before and after training kept as `before` and `after`.
//  4. 50 training epochs instead of 300, to keep the test short (after 50 the decoded path is
//     not yet the gold one; the test compares every step's loss and the final weights).
//  5. the results returned from main().
//
// Non-mechanical changes from Python (mechanical ones: module(x) → module.forward(x), keyword
// arguments → a trailing options object, tuples → arrays, lists → list() of python.ts,
// a + b → a.add(b), x[i, j] → x.index(i, j), x[i, :] = v → x.index_put_([i, ':'], v)):
//  - The module-level program is the body of main(); the class, the helpers and the constants
//    START_TAG and STOP_TAG (which the class reads as globals) stay at module level.
//  - torchnode has no torch.autograd.Variable (deprecated since PyTorch 0.4). In PyTorch,
//    Variable(t) returns t.detach() (python_legacy_variable.cpp), so autograd.Variable(t) →
//    t.detach().
//  - torch.Tensor(...) → new torch.Tensor(...) (a JavaScript class needs `new`); torch.LongTensor
//    stays: torchnode has the legacy typed constructors.
//  - `x[0][k] = v` → x.index(0).index_put_([k], v): what Python runs for it (__getitem__, then
//    __setitem__ on that view).
//  - to_scalar's parameter `var` → `var_` (`var` is a reserved word); hidden_dim // 2 →
//    Math.floor(hidden_dim / 2).
//  - len(tensor) → tensor.size(0); `for i, feat in enumerate(feats)` → for (const [i, feat] of
//    [...feats].entries()); reversed(list) → [...list].reverse(); assert → node:assert.
//  - The dicts word_to_ix and tag_to_ix → Maps (insertion-ordered like a dict; `w not in d` →
//    !d.has(w); len(d) → d.size); "...".split() → .split(' ') (single spaces).
//  - print() → the printer of examples/ports/python.ts (tuples and lists printed as Python does).
import assert from 'node:assert';
import * as torch from '../../lib/index';
import { list, printer, type List, type PortRun } from './python';

const autograd = { Variable: (t: torch.Tensor): torch.Tensor => t.detach() };
const nn = torch.nn;
const optim = torch.optim;
type Tensor = torch.Tensor;

export interface AdvancedBiLSTMCRFResults {
  word_to_ix: Record<string, number>;
  before: [number, number[]];
  losses: number[];
  after: [number, number[]];
  state_dict: Record<string, unknown>;
}

// ####################################################################
// Helper functions to make the code more readable.

function to_scalar(var_: Tensor): number {
  // returns a python float
  return (var_.view(-1).data.tolist() as number[])[0];
}

function argmax(vec: Tensor): number {
  // return the argmax as a python int
  const [, idx] = torch.max(vec, 1);
  return to_scalar(idx);
}

function prepare_sequence(seq: string[], to_ix: Map<string, number>): Tensor {
  const idxs = seq.map((w) => to_ix.get(w)!);
  const tensor = torch.LongTensor(idxs);
  return autograd.Variable(tensor);
}

// Compute log sum exp in a numerically stable way for the forward algorithm
function log_sum_exp(vec: Tensor): Tensor {
  const max_score = vec.index(0, argmax(vec));
  const max_score_broadcast = max_score.view(1, -1).expand(1, vec.size()[1]);
  return max_score.add(
    torch.log(torch.sum(torch.exp(vec.sub(max_score_broadcast)))));
}

// ####################################################################
// Create model

export class BiLSTM_CRF extends nn.Module {
  embedding_dim: number;
  hidden_dim: number;
  vocab_size: number;
  tag_to_ix: Map<string, number>;
  tagset_size: number;
  word_embeds: torch.nn.Embedding;
  lstm: torch.nn.LSTM;
  hidden2tag: torch.nn.Linear;
  transitions: torch.nn.Parameter;
  hidden: [Tensor, Tensor];

  constructor(vocab_size: number, tag_to_ix: Map<string, number>, embedding_dim: number, hidden_dim: number) {
    super();
    this.embedding_dim = embedding_dim;
    this.hidden_dim = hidden_dim;
    this.vocab_size = vocab_size;
    this.tag_to_ix = tag_to_ix;
    this.tagset_size = tag_to_ix.size;

    this.word_embeds = new nn.Embedding(vocab_size, embedding_dim);
    this.lstm = new nn.LSTM(embedding_dim, Math.floor(hidden_dim / 2),
      { num_layers: 1, bidirectional: true });

    // Maps the output of the LSTM into tag space.
    this.hidden2tag = new nn.Linear(hidden_dim, this.tagset_size);

    // Matrix of transition parameters.  Entry i,j is the score of
    // transitioning *to* i *from* j.
    this.transitions = new nn.Parameter(
      torch.randn(this.tagset_size, this.tagset_size));

    // These two statements enforce the constraint that we never transfer
    // to the start tag and we never transfer from the stop tag
    this.transitions.data.index_put_([tag_to_ix.get(START_TAG)!, ':'], -10000);
    this.transitions.data.index_put_([':', tag_to_ix.get(STOP_TAG)!], -10000);

    this.hidden = this.init_hidden();
  }

  init_hidden(): [Tensor, Tensor] {
    return [autograd.Variable(torch.randn(2, 1, Math.floor(this.hidden_dim / 2))),
      autograd.Variable(torch.randn(2, 1, Math.floor(this.hidden_dim / 2)))];
  }

  _forward_alg(feats: Tensor): Tensor {
    // Do the forward algorithm to compute the partition function
    const init_alphas = new torch.Tensor(1, this.tagset_size).fill_(-10000.0);
    // START_TAG has all of the score.
    init_alphas.index(0).index_put_([this.tag_to_ix.get(START_TAG)!], 0.0);

    // Wrap in a variable so that we will get automatic backprop
    let forward_var = autograd.Variable(init_alphas);

    // Iterate through the sentence
    for (const feat of feats) {
      const alphas_t: Tensor[] = []; // The forward variables at this timestep
      for (let next_tag = 0; next_tag < this.tagset_size; next_tag++) {
        // broadcast the emission score: it is the same regardless of
        // the previous tag
        const emit_score = feat.index(next_tag).view(
          1, -1).expand(1, this.tagset_size);
        // the ith entry of trans_score is the score of transitioning to
        // next_tag from i
        const trans_score = this.transitions.index(next_tag).view(1, -1);
        // The ith entry of next_tag_var is the value for the
        // edge (i -> next_tag) before we do log-sum-exp
        const next_tag_var = forward_var.add(trans_score).add(emit_score);
        // The forward variable for this tag is log-sum-exp of all the
        // scores.
        alphas_t.push(log_sum_exp(next_tag_var).view(1)); // torchnode: 1.
      }
      forward_var = torch.cat(alphas_t).view(1, -1);
    }
    const terminal_var = forward_var.add(this.transitions.index(this.tag_to_ix.get(STOP_TAG)!));
    const alpha = log_sum_exp(terminal_var);
    return alpha;
  }

  _get_lstm_features(sentence: Tensor): Tensor {
    this.hidden = this.init_hidden();
    const embeds = this.word_embeds.forward(sentence).view(sentence.size(0), 1, -1);
    let lstm_out: Tensor;
    [lstm_out, this.hidden] = this.lstm.forward(embeds, this.hidden);
    lstm_out = lstm_out.view(sentence.size(0), this.hidden_dim);
    const lstm_feats = this.hidden2tag.forward(lstm_out);
    return lstm_feats;
  }

  _score_sentence(feats: Tensor, tags: Tensor): Tensor {
    // Gives the score of a provided tag sequence
    let score = autograd.Variable(new torch.Tensor([0]));
    tags = torch.cat([torch.LongTensor([this.tag_to_ix.get(START_TAG)!]), tags]);
    for (const [i, feat] of [...feats].entries()) {
      score = score.add(
        this.transitions.index(tags.index(i + 1), tags.index(i))).add(feat.index(tags.index(i + 1)));
    }
    score = score.add(this.transitions.index(this.tag_to_ix.get(STOP_TAG)!, tags.index(-1)));
    return score;
  }

  _viterbi_decode(feats: Tensor): [Tensor, List<number>] {
    const backpointers: number[][] = [];

    // Initialize the viterbi variables in log space
    const init_vvars = new torch.Tensor(1, this.tagset_size).fill_(-10000.0);
    init_vvars.index(0).index_put_([this.tag_to_ix.get(START_TAG)!], 0);

    // forward_var at step i holds the viterbi variables for step i-1
    let forward_var = autograd.Variable(init_vvars);
    for (const feat of feats) {
      const bptrs_t: number[] = []; // holds the backpointers for this step
      const viterbivars_t: Tensor[] = []; // holds the viterbi variables for this step

      for (let next_tag = 0; next_tag < this.tagset_size; next_tag++) {
        // next_tag_var[i] holds the viterbi variable for tag i at the
        // previous step, plus the score of transitioning
        // from tag i to next_tag.
        // We don't include the emission scores here because the max
        // does not depend on them (we add them in below)
        const next_tag_var = forward_var.add(this.transitions.index(next_tag));
        const best_tag_id = argmax(next_tag_var);
        bptrs_t.push(best_tag_id);
        viterbivars_t.push(next_tag_var.index(0).index(best_tag_id).view(1)); // torchnode: 1.
      }
      // Now add in the emission scores, and assign forward_var to the set
      // of viterbi variables we just computed
      forward_var = torch.cat(viterbivars_t).add(feat).view(1, -1);
      backpointers.push(bptrs_t);
    }

    // Transition to STOP_TAG
    const terminal_var = forward_var.add(this.transitions.index(this.tag_to_ix.get(STOP_TAG)!));
    let best_tag_id = argmax(terminal_var);
    const path_score = terminal_var.index(0).index(best_tag_id);

    // Follow the back pointers to decode the best path.
    const best_path = list([best_tag_id]);
    for (const bptrs_t of [...backpointers].reverse()) {
      best_tag_id = bptrs_t[best_tag_id];
      best_path.push(best_tag_id);
    }
    // Pop off the start tag (we dont want to return that to the caller)
    const start = best_path.pop();
    assert(start === this.tag_to_ix.get(START_TAG)); // Sanity check
    best_path.reverse();
    return [path_score, best_path];
  }

  neg_log_likelihood(sentence: Tensor, tags: Tensor): Tensor {
    const feats = this._get_lstm_features(sentence);
    const forward_score = this._forward_alg(feats);
    const gold_score = this._score_sentence(feats, tags);
    return forward_score.sub(gold_score);
  }

  forward(sentence: Tensor): [Tensor, List<number>] { // dont confuse this with _forward_alg above.
    // Get the emission scores from the BiLSTM
    const lstm_feats = this._get_lstm_features(sentence);

    // Find the best path, given the features.
    const [score, tag_seq] = this._viterbi_decode(lstm_feats);
    return [score, tag_seq];
  }
}

// ####################################################################
// Run training

const START_TAG = '<START>';
const STOP_TAG = '<STOP>';

export function main(echo = false): PortRun<AdvancedBiLSTMCRFResults> {
  const { print, stdout } = printer(echo);

  torch.manual_seed(1);

  const EMBEDDING_DIM = 5;
  const HIDDEN_DIM = 4;

  // Make up some training data
  const training_data: [string[], string[]][] = [[
    'the wall street journal reported today that apple corporation made money'.split(' '),
    'B I I I O O O B I O O'.split(' '),
  ], [
    'georgia tech is a university in georgia'.split(' '),
    'B I O O O O B'.split(' '),
  ]];

  const word_to_ix = new Map<string, number>();
  for (const [sentence] of training_data) {
    for (const word of sentence) {
      if (!word_to_ix.has(word)) {
        word_to_ix.set(word, word_to_ix.size);
      }
    }
  }

  const tag_to_ix = new Map([['B', 0], ['I', 1], ['O', 2], [START_TAG, 3], [STOP_TAG, 4]]);

  const model = new BiLSTM_CRF(word_to_ix.size, tag_to_ix, EMBEDDING_DIM, HIDDEN_DIM);
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.01, weight_decay: 1e-4 });

  // Check predictions before training
  let precheck_sent = prepare_sequence(training_data[0][0], word_to_ix);
  const precheck_tags = torch.LongTensor(training_data[0][1].map((t) => tag_to_ix.get(t)!));
  const before = model.forward(precheck_sent); // torchnode: 3. kept as `before`
  print(before); // torchnode: 3.

  const losses: number[] = []; // torchnode: 2. every step's negative log-likelihood
  // Make sure prepare_sequence from earlier in the LSTM section is loaded
  for (let epoch = 0; epoch <
    50; epoch++) { // again, normally you would NOT do 300 epochs, it is toy data  // torchnode: 4. 50, not 300
    for (const [sentence, tags] of training_data) {
      // Step 1. Remember that Pytorch accumulates gradients.
      // We need to clear them out before each instance
      model.zero_grad();

      // Step 2. Get our inputs ready for the network, that is,
      // turn them into Variables of word indices.
      const sentence_in = prepare_sequence(sentence, word_to_ix);
      const targets = torch.LongTensor(tags.map((t) => tag_to_ix.get(t)!));

      // Step 3. Run our forward pass.
      const neg_log_likelihood = model.neg_log_likelihood(sentence_in, targets);
      losses.push(neg_log_likelihood.item() as number); // torchnode: 2.

      // Step 4. Compute the loss, gradients, and update the parameters by
      // calling optimizer.step()
      neg_log_likelihood.backward();
      optimizer.step();
    }
  }

  // Check predictions after training
  precheck_sent = prepare_sequence(training_data[0][0], word_to_ix);
  const after = model.forward(precheck_sent); // torchnode: 3. kept as `after`
  print(after); // torchnode: 3.
  // We got it!

  // torchnode: 5. the values the port is compared on
  const results: AdvancedBiLSTMCRFResults = {
    word_to_ix: Object.fromEntries(word_to_ix),
    before: [before[0].item() as number, [...before[1]]],
    losses,
    after: [after[0].item() as number, [...after[1]]],
    state_dict: Object.fromEntries(Object.entries(model.state_dict()).map(([k, v]) => [k, v.tolist()])),
  };
  return { stdout, results };
}

if (require.main === module) main(true);

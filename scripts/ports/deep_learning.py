# The oracle for examples/ports/deep_learning.ts: pytorch/tutorials
# beginner_source/nlp/deep_learning_tutorial.py ("Deep Learning with PyTorch": an affine map,
# non-linearities, softmax, and the logistic-regression bag-of-words classifier trained with
# NLLLoss and SGD), run as is apart from the changes listed below.
# scripts/ports/gen_ports_fixtures.py runs it under each PyTorch and writes what it printed and
# PORT_RESULTS to tests/fixtures/torch-<ver>/ports/deep_learning.json.
#
# Source:  https://github.com/pytorch/tutorials/blob/016d0cc077f60c82b8497d4c7f92051ce40cafee/beginner_source/nlp/deep_learning_tutorial.py
# Commit:  016d0cc077f60c82b8497d4c7f92051ce40cafee (pytorch/tutorials)
# License: BSD-3-Clause, Copyright (c) 2017-2022, Pytorch contributors
# Author:  Robert Guthrie
#
# Changes (each marked "# torchnode:" below):
#  0. the tutorial's prose is left out: the module docstring and the narrative comment blocks
#     between the code sections, none of which holds code (the section titles stay). The code
#     and its own comments are as in the source. (Already seeded: torch.manual_seed(1).)
#  1. values printed along the way are also kept (`kept`), and every step's loss in `losses`.
#  2. PORT_RESULTS at the end: the values the port is compared on.

# Author: Robert Guthrie

import torch
import torch.autograd as autograd
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

torch.manual_seed(1)
kept = {}  # torchnode: 1. values printed along the way


######################################################################

lin = nn.Linear(5, 3)  # maps from R^5 to R^3, parameters A, b
# data is 2x5.  A maps from 5 to 3... can we map "data" under A?
data = autograd.Variable(torch.randn(2, 5))
print(lin(data))  # yes
kept['lin(data)'] = lin(data).tolist()  # torchnode: 1.


######################################################################
# Non-Linearities
# ~~~~~~~~~~~~~~~

# In pytorch, most non-linearities are in torch.functional (we have it imported as F)
# Note that non-linearites typically don't have parameters like affine maps do.
# That is, they don't have weights that are updated during training.
data = autograd.Variable(torch.randn(2, 2))
print(data)
print(F.relu(data))
kept['relu'] = F.relu(data).tolist()  # torchnode: 1.


######################################################################
# Softmax and Probabilities
# ~~~~~~~~~~~~~~~~~~~~~~~~~

# Softmax is also in torch.nn.functional
data = autograd.Variable(torch.randn(5))
print(data)
print(F.softmax(data, dim=0))
print(F.softmax(data, dim=0).sum())  # Sums to 1 because it is a distribution!
print(F.log_softmax(data, dim=0))  # theres also log_softmax
kept['softmax'] = F.softmax(data, dim=0).tolist()  # torchnode: 1.
kept['softmax.sum'] = F.softmax(data, dim=0).sum().item()  # torchnode: 1.
kept['log_softmax'] = F.log_softmax(data, dim=0).tolist()  # torchnode: 1.


######################################################################
# Example: Logistic Regression Bag-of-Words classifier
# ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~

data = [("me gusta comer en la cafeteria".split(), "SPANISH"),
        ("Give it to me".split(), "ENGLISH"),
        ("No creo que sea una buena idea".split(), "SPANISH"),
        ("No it is not a good idea to get lost at sea".split(), "ENGLISH")]

test_data = [("Yo creo que si".split(), "SPANISH"),
             ("it is lost on me".split(), "ENGLISH")]

# word_to_ix maps each word in the vocab to a unique integer, which will be its
# index into the Bag of words vector
word_to_ix = {}
for sent, _ in data + test_data:
    for word in sent:
        if word not in word_to_ix:
            word_to_ix[word] = len(word_to_ix)
print(word_to_ix)

VOCAB_SIZE = len(word_to_ix)
NUM_LABELS = 2


class BoWClassifier(nn.Module):  # inheriting from nn.Module!

    def __init__(self, num_labels, vocab_size):
        # calls the init function of nn.Module.  Dont get confused by syntax,
        # just always do it in an nn.Module
        super(BoWClassifier, self).__init__()

        # Define the parameters that you will need.  In this case, we need A and b,
        # the parameters of the affine mapping.
        # Torch defines nn.Linear(), which provides the affine map.
        # Make sure you understand why the input dimension is vocab_size
        # and the output is num_labels!
        self.linear = nn.Linear(vocab_size, num_labels)

        # NOTE! The non-linearity log softmax does not have parameters! So we don't need
        # to worry about that here

    def forward(self, bow_vec):
        # Pass the input through the linear layer,
        # then pass that through log_softmax.
        # Many non-linearities and other functions are in torch.nn.functional
        return F.log_softmax(self.linear(bow_vec), dim=1)


def make_bow_vector(sentence, word_to_ix):
    vec = torch.zeros(len(word_to_ix))
    for word in sentence:
        vec[word_to_ix[word]] += 1
    return vec.view(1, -1)


def make_target(label, label_to_ix):
    return torch.LongTensor([label_to_ix[label]])


model = BoWClassifier(NUM_LABELS, VOCAB_SIZE)

# the model knows its parameters.  The first output below is A, the second is b.
# Whenever you assign a component to a class variable in the __init__ function
# of a module, which was done with the line
# self.linear = nn.Linear(...)
# Then through some Python magic from the Pytorch devs, your module
# (in this case, BoWClassifier) will store knowledge of the nn.Linear's parameters
for param in model.parameters():
    print(param)
kept['initial'] = [p.tolist() for p in model.parameters()]  # torchnode: 1.

# To run the model, pass in a BoW vector, but wrapped in an autograd.Variable
sample = data[0]
bow_vector = make_bow_vector(sample[0], word_to_ix)
log_probs = model(autograd.Variable(bow_vector))
print(log_probs)
kept['bow_vector'] = bow_vector.tolist()  # torchnode: 1.
kept['log_probs'] = log_probs.tolist()  # torchnode: 1.


######################################################################
# Which of the above values corresponds to the log probability of ENGLISH,
# and which to SPANISH? We never defined it, but we need to if we want to
# train the thing.
#

label_to_ix = {"SPANISH": 0, "ENGLISH": 1}


######################################################################
# So lets train!

# Run on test data before we train, just to see a before-and-after
kept['test_before'] = []  # torchnode: 1.
for instance, label in test_data:
    bow_vec = autograd.Variable(make_bow_vector(instance, word_to_ix))
    log_probs = model(bow_vec)
    print(log_probs)
    kept['test_before'].append(log_probs.tolist())  # torchnode: 1.

# Print the matrix column corresponding to "creo"
print(next(model.parameters())[:, word_to_ix["creo"]])
kept['creo_before'] = next(model.parameters())[:, word_to_ix["creo"]].tolist()  # torchnode: 1.

loss_function = nn.NLLLoss()
optimizer = optim.SGD(model.parameters(), lr=0.1)

# Usually you want to pass over the training data several times.
# 100 is much bigger than on a real data set, but real datasets have more than
# two instances.  Usually, somewhere between 5 and 30 epochs is reasonable.
losses = []  # torchnode: 1. every step's loss
for epoch in range(100):
    for instance, label in data:
        # Step 1. Remember that Pytorch accumulates gradients.
        # We need to clear them out before each instance
        model.zero_grad()

        # Step 2. Make our BOW vector and also we must wrap the target in a
        # Variable as an integer. For example, if the target is SPANISH, then
        # we wrap the integer 0. The loss function then knows that the 0th
        # element of the log probabilities is the log probability
        # corresponding to SPANISH
        bow_vec = autograd.Variable(make_bow_vector(instance, word_to_ix))
        target = autograd.Variable(make_target(label, label_to_ix))

        # Step 3. Run our forward pass.
        log_probs = model(bow_vec)

        # Step 4. Compute the loss, gradients, and update the parameters by
        # calling optimizer.step()
        loss = loss_function(log_probs, target)
        losses.append(loss.item())  # torchnode: 1.
        loss.backward()
        optimizer.step()

kept['test_after'] = []  # torchnode: 1.
for instance, label in test_data:
    bow_vec = autograd.Variable(make_bow_vector(instance, word_to_ix))
    log_probs = model(bow_vec)
    print(log_probs)
    kept['test_after'].append(log_probs.tolist())  # torchnode: 1.

# Index corresponding to Spanish goes up, English goes down!
print(next(model.parameters())[:, word_to_ix["creo"]])
kept['creo_after'] = next(model.parameters())[:, word_to_ix["creo"]].tolist()  # torchnode: 1.

# torchnode: 2. the values the port is compared on
PORT_RESULTS = dict(kept, word_to_ix=word_to_ix, losses=losses,
                    state_dict={k: v.tolist() for k, v in model.state_dict().items()})

"""Text tools and sequence pooling: values, gradients (float64 finite differences), bad input."""

import numpy as np
import pytest

import minigru as mg
from minigru import nn
from minigru.data import Vocabulary, pad, stratified_folds, strip_transcript_markup, tokenize
from minigru.errors import InputError


def test_transcript_markup_is_removed_and_words_are_kept():
    text = ("BARACK OBAMA: Thank you. (Cheers, applause.)\nAUDIENCE MEMBERS: Four more years!\n"
            "We don't quit \u2014 we're in 2012.")
    clean = strip_transcript_markup(text)
    assert "OBAMA" not in clean and "AUDIENCE" not in clean and "applause" not in clean
    assert tokenize(clean) == ["thank", "you", "four", "more", "years", "we", "don't", "quit",
                               "we're", "in", "2012"]
    assert tokenize("It\u2019s") == ["it's"]


def test_vocabulary_orders_by_count_then_alphabet_and_maps_unknowns():
    vocab = Vocabulary.build([["b", "a", "b"], ["c", "a", "b", "d"]], min_count=2)
    assert vocab.words == ["<pad>", "<unk>", "b", "a"]
    np.testing.assert_array_equal(vocab.encode(["a", "zzz", "b"]), [3, 1, 2])
    assert len(Vocabulary.build([["x", "y", "z"]], max_size=4)) == 4


def test_pad_cuts_and_reports_lengths():
    tokens, lengths = pad([np.array([5, 6, 7]), np.array([8])], max_length=2)
    np.testing.assert_array_equal(tokens, [[5, 6], [8, 0]])
    np.testing.assert_array_equal(lengths, [2, 1])


def test_stratified_folds_partition_and_keep_proportions():
    y = np.array([0] * 12 + [1] * 6)
    folds = stratified_folds(y, 3, seed=4)
    tests = np.concatenate([t for _, t in folds])
    assert sorted(tests.tolist()) == list(range(18))
    for train, test in folds:
        assert np.intersect1d(train, test).size == 0
        assert np.bincount(y[test]).tolist() == [4, 2]
    assert [t.tolist() for _, t in stratified_folds(y, 3, seed=4)] == \
        [t.tolist() for _, t in folds]


def _outputs(rng):
    return mg.tensor(rng.standard_normal((5, 3, 4)), requires_grad=True, dtype="float64")


@pytest.mark.parametrize("mode", ["mean", "last", "attention"])
def test_pooling_values_and_gradients(mode, rng):
    y = _outputs(rng)
    lengths = np.array([5, 2, 4])
    pool = nn.SequencePooling(mode, features=4, attention_size=3).double()
    got = pool(y, lengths).numpy()
    Y = y.numpy()
    for b, n in enumerate(lengths):
        if mode == "mean":
            expected = Y[:n, b].mean(0)
        elif mode == "last":
            expected = Y[n - 1, b]
        else:
            W, c = pool.project.weight.data, pool.project.bias.data
            v = pool.score.weight.data[0]
            e = np.tanh(Y[:n, b] @ W.T + c) @ v
            alpha = np.exp(e - e.max()) / np.exp(e - e.max()).sum()
            expected = alpha @ Y[:n, b]
        np.testing.assert_allclose(got[b], expected, rtol=1e-12, atol=1e-12)
    assert mg.gradcheck(lambda t, *p: pool(t, lengths), [y, *pool.parameters()])


def test_attention_gives_padding_no_weight(rng):
    pool = nn.SequencePooling("attention", features=4).double()
    alpha = pool.weights(_outputs(rng), np.array([5, 2, 4])).numpy()
    np.testing.assert_allclose(alpha.sum(0), 1, atol=1e-12)
    assert np.all(alpha[2:, 1] == 0) and np.all(alpha[4:, 2] == 0)


def test_text_classifier_reads_a_batch_and_traces_one_document():
    mg.manual_seed(0)
    model = nn.TextClassifier(30, 2, 8, 8, pooling="attention")
    tokens, lengths = pad([np.arange(2, 9), np.arange(3, 6)])
    assert model(tokens, lengths).shape == (2, 2)
    trace = model.trace(tokens[0], 7)
    assert trace["step"].shape == (7,) and trace["attention"].shape == (7,)
    np.testing.assert_allclose(trace["attention"].sum(), 1, atol=1e-6)
    alone = model(tokens[1:, :3], lengths[1:]).numpy()
    np.testing.assert_allclose(model(tokens, lengths).numpy()[1], alone[0], atol=1e-6)


@pytest.mark.parametrize("call, message", [
    (lambda: nn.SequencePooling("max"), "mode must be one of"),
    (lambda: nn.SequencePooling("attention"), "attention needs features"),
    (lambda: nn.SequencePooling("mean")(mg.ones(3, 2, 4), [4, 1]), r"lengths must be 2 values"),
    (lambda: nn.SequencePooling("last").weights(mg.ones(3, 2, 4)), "only attention"),
    (lambda: nn.TextClassifier(10, 2, cell="tcn"), "cell must be one of"),
    (lambda: nn.TextClassifier(10, 2)(np.zeros(4, np.int64), [4]), r"tokens must be \(B, T\)"),
    (lambda: tokenize(3), "text must be a str"),
    (lambda: Vocabulary.build([["a"]], min_count=0), "min_count must be >= 1"),
    (lambda: pad([]), "no sequences"),
    (lambda: stratified_folds([0, 0, 1], 2), r"k must be in \[2, 1\]"),
])
def test_bad_input_is_named(call, message):
    with pytest.raises(InputError, match=message):
        call()

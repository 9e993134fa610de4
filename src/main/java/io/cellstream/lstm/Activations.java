package io.cellstream.lstm;

/** Scalar nonlinearities of the reference path (float in, float out, computed in double). */
final class Activations {

  private Activations() {}

  static float sigmoid(float z) {
    return (float) (1.0 / (1.0 + Math.exp(-z)));
  }

  static float tanh(float z) {
    return (float) Math.tanh(z);
  }
}

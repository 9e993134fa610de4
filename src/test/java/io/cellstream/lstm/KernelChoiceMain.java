package io.cellstream.lstm;

/** Run in a child JVM by {@link KernelChoiceTest}: prints which kernel the provider chose, and why. */
public final class KernelChoiceMain {
  private KernelChoiceMain() {}

  public static void main(String[] args) {
    System.out.println("kernel=" + LstmKernels.get().name() + "|" + LstmKernels.reason());
  }
}

package io.cellstream.lstm;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** The vector kernel's backward primitives equal the scalar ones on sizes around every vector boundary. */
class BackwardPrimitivesTest {

  @Property(tries = 50)
  void vectorPrimitivesEqualScalar(@ForAll @IntRange(min = 1, max = 150) int rows,
      @ForAll @IntRange(min = 1, max = 150) int cols, @ForAll @IntRange(min = 1, max = 20) int count,
      @ForAll long seed) {
    assumeTrue(LstmKernels.vectorAvailable());
    LstmKernel scalar = LstmKernels.scalar();
    LstmKernel vector = LstmKernels.vector();
    SplittableRandom r = new SplittableRandom(seed);
    int ld = cols + 3; // a leading dimension wider than the columns used, as W_h inside W
    float[] m = RandomModels.gaussian(r, 2 + rows * ld, 1);
    float[] a = RandomModels.gaussian(r, 1 + count * rows, 1);
    float[] b = RandomModels.gaussian(r, 1 + count * cols, 1);
    a[1] = 0f; // the vector path skips zero rows; they must still come out the same

    float[] mS = m.clone();
    float[] mV = m.clone();
    scalar.addOuter(a, 1, rows, b, 1, cols, mS, 2, ld);
    vector.addOuter(a, 1, rows, b, 1, cols, mV, 2, ld);
    Close.assertClose("addOuter", mV, mS, 1e-5, 1e-5);

    mS = m.clone();
    mV = m.clone();
    scalar.addOuterSum(count, a, 1, rows, rows, b, 1, cols, cols, mS, 2, ld);
    vector.addOuterSum(count, a, 1, rows, rows, b, 1, cols, cols, mV, 2, ld);
    Close.assertClose("addOuterSum", mV, mS, 1e-4, 1e-5);

    float[] out = RandomModels.gaussian(r, cols + 1, 1);
    float[] outS = out.clone();
    float[] outV = out.clone();
    scalar.addTransposedProduct(m, 2, ld, rows, cols, a, 1, outS, 1);
    vector.addTransposedProduct(m, 2, ld, rows, cols, a, 1, outV, 1);
    Close.assertClose("addTransposedProduct", outV, outS, 1e-4, 1e-5);
  }
}

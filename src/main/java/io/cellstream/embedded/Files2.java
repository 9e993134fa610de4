package io.cellstream.embedded;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** File helpers the embedded services share. */
final class Files2 {

  private Files2() {}

  /** Deletes a directory tree; missing files are fine; returns false if anything could not be deleted. */
  static boolean deleteTree(Path root) {
    if (root == null || !Files.exists(root)) {
      return true;
    }
    boolean[] ok = {true};
    try {
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
          delete(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException exc) {
          delete(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path dir, IOException exc) {
          delete(dir);
          return FileVisitResult.CONTINUE;
        }

        private void delete(Path p) {
          try {
            Files.deleteIfExists(p);
          } catch (NoSuchFileException e) {
            // gone already
          } catch (IOException e) {
            ok[0] = false;
          }
        }
      });
    } catch (IOException e) {
      return false;
    }
    return ok[0];
  }
}

package io.cellstream.util;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** Directory trees: the one recursive delete that the embedded services, the commands and the benchmark share. */
public final class FileTrees {

  private FileTrees() {}

  /** Deletes a directory tree; missing files are fine; returns false if anything could not be deleted. */
  public static boolean deleteTree(Path root) {
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

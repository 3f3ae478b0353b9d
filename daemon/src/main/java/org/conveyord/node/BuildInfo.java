package org.conveyord.node;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * Version and commit of this build, logged at start-up and reported in {@code status} and {@code ping}
 * (as Pi4J's BuildInfo). Version and commit come from {@code conveyord-build.properties}, filtered by
 * Maven (the daemon pom asks git for the commit); a {@code git.properties} is the fallback for the commit,
 * and "unknown" when neither has one (a build outside a git checkout).
 */
public record BuildInfo(String version, String commit) {

    public static BuildInfo load() {
        Properties build = read("/conveyord-build.properties");
        Properties git = read("/git.properties");
        String version = build.getProperty("version", "");
        if (version.isBlank() || version.startsWith("${")) version = "dev";
        String commit = build.getProperty("commit", "");
        if (commit.isBlank() || commit.startsWith("${") || commit.equals("unknown")) {
            commit = git.getProperty("git.commit.id.abbrev", git.getProperty("git.commit.id", "unknown"));
        }
        return new BuildInfo(version, commit.isBlank() ? "unknown" : commit);
    }

    private static Properties read(String resource) {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream(resource)) {
            if (in != null) p.load(in);
        } catch (IOException e) {
            // a missing or unreadable resource means "unknown": the build facts are informative only
        }
        return p;
    }
}

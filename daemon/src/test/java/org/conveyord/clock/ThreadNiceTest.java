package org.conveyord.clock;

import java.util.OptionalInt;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ThreadNiceTest {

    @Test
    void readsFieldNineteenOfAStatLine() {
        // /proc/thread-self/stat of `nice -n 7 cat /proc/thread-self/stat` on the build box (priority 27, nice 7)
        String stat = "23508 (cat) R 23505 23505 5984 0 -1 4194304 175 0 1 0 0 0 0 0 27 7 1 0 3912127 3133440 386 "
                + "18446744073709551615 94043454705664 94043454725545 140737161187296 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
        assertThat(ThreadNice.parse(stat)).isEqualTo(OptionalInt.of(7));
    }

    @Test
    void aThreadNameWithSpacesAndParenthesesDoesNotShiftTheFields() {
        String stat = "4242 (MQTT Rec: a) b) S 1 1 1 0 -1 1077936192 0 0 0 0 0 0 0 0 15 -5 30 0 100 0 0";
        assertThat(ThreadNice.parse(stat)).isEqualTo(OptionalInt.of(-5));
    }

    @Test
    void aTruncatedOrForeignLineGivesNothing() {
        assertThat(ThreadNice.parse("4242 (x) S 1 1")).isEmpty();
        assertThat(ThreadNice.parse("no parentheses here")).isEmpty();
        assertThat(ThreadNice.parse("1 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 zero 1")).isEmpty();
    }

    @Test
    void theCallingThreadOfThisJvmHasAValueOnLinux() {
        Assumptions.assumeTrue(System.getProperty("os.name").equals("Linux"), "procfs is Linux's");
        OptionalInt nice = ThreadNice.ofCallingThread();
        assertThat(nice).isPresent();
        assertThat(nice.getAsInt()).isBetween(-20, 19);
    }
}

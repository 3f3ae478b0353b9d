package org.conveyord.systemd;

import ch.qos.logback.classic.Level;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class JournalPriorityConverterTest {

    @Test
    void levelsMapToSdDaemonPriorities() {
        assertThat(JournalPriorityConverter.prefix(Level.ERROR)).isEqualTo("<3>");
        assertThat(JournalPriorityConverter.prefix(Level.WARN)).isEqualTo("<4>");
        assertThat(JournalPriorityConverter.prefix(Level.INFO)).isEqualTo("<6>");
        assertThat(JournalPriorityConverter.prefix(Level.DEBUG)).isEqualTo("<7>");
        assertThat(JournalPriorityConverter.prefix(Level.TRACE)).isEqualTo("<7>");
    }

    @Test
    void onlyWhenStdoutIsTheJournal() {
        assertThat(JournalPriorityConverter.isJournal("8:12345")).isTrue();
        assertThat(JournalPriorityConverter.isJournal(null)).isFalse();
        assertThat(JournalPriorityConverter.isJournal("")).isFalse();
    }
}

package org.conveyord.protocol.zpl;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HostReplyFramerTest {

    /** The ~HS example from devices.md: paper out and paused set, nothing in the buffer. */
    static final String SPEC_HS = "\u0002030,1,1,1225,000,0,0,0,000,0,0,0\u0003\r\n"
            + "\u0002001,0,0,1,1,2,6,0,00000100,1,000\u0003\r\n\u00021234,0\u0003\r\n";
    static final String HQOD = "\u0002\r\n  PRINT METERS\r\n   TOTAL NONRESETTABLE:  8560 LABELS\r\n\u0003\r\n";

    private final List<HostStatus> statuses = new ArrayList<>();
    private final List<HostQueryErrors> errors = new ArrayList<>();
    private final List<Long> odometers = new ArrayList<>();
    private final HostReplyFramer framer = new HostReplyFramer(statuses::add, errors::add, odometers::add);

    private void feed(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        framer.feed(b, 0, b.length);
    }

    @Test
    void hsHqesAndHqodInOneStreamAreToldApart() {
        feed(HQOD + SPEC_HS + new String(new HostQueryErrors(HostQueryErrors.MEDIA_OUT | HostQueryErrors.PAPER_JAM, 0).encode(),
                StandardCharsets.ISO_8859_1) + HQOD.replace("8560", "8561"));
        assertThat(odometers).containsExactly(8560L, 8561L);
        assertThat(statuses).singleElement().satisfies(s -> {
            assertThat(s.paperOut()).isTrue();
            assertThat(s.labelsRemaining()).isEqualTo(100);
        });
        assertThat(errors).singleElement().satisfies(e -> assertThat(e.faults()).containsExactly("paper-out", "paper-jam"));
    }

    @Test
    void byteByByteGivesTheSame() {
        for (byte b : (SPEC_HS + HQOD).getBytes(StandardCharsets.ISO_8859_1)) framer.feed(new byte[]{b}, 0, 1);
        assertThat(statuses).hasSize(1);
        assertThat(odometers).containsExactly(8560L);
    }

    @Test
    void odometerWithoutANumberIsRejected() {
        feed("\u0002PRINT METERS\r\n TOTAL NONRESETTABLE: lots\u0003");
        assertThat(odometers).isEmpty();
        assertThat(framer.rejected()).isEqualTo(1);
    }

    @Test
    void templatesFillFieldsAndRefuseZplInData() {
        String z = ZplTemplate.ORDER_LABEL.render(Map.of("order", "O-7", "lane", "lane-2", "bags", "3"));
        ZplLabelReader.Label l = ZplLabelReader.parseLabel(z);
        assertThat(l.code128()).containsExactly("O-7");
        assertThat(l.qr()).containsExactly("order=O-7;lane=lane-2");
        assertThatThrownBy(() -> ZplTemplate.ORDER_LABEL.render(Map.of("order", "O-7", "lane", "l")))
                .hasMessageContaining("needs field 'bags'");
        assertThatThrownBy(() -> ZplTemplate.ORDER_LABEL.render(Map.of("order", "^XZ", "lane", "l", "bags", "1")))
                .hasMessageContaining("ZPL command");
        assertThatThrownBy(() -> new ZplTemplate("x", "hello")).hasMessageContaining("^XA");
    }

    @Property(tries = 300)
    void randomBytesNeverThrowAndAValidAnswerAfterwardsIsRead(@ForAll @Size(max = 600) byte[] noise) {
        framer.feed(noise, 0, noise.length);
        odometers.clear();
        statuses.clear();
        feed(HQOD + SPEC_HS + SPEC_HS);
        assertThat(odometers).containsExactly(8560L);
        // the first ~HS may be taken as the end of a triple the noise began; the second is always whole
        assertThat(statuses).isNotEmpty();
    }
}

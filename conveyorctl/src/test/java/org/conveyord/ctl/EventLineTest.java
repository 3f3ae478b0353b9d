package org.conveyord.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.time.ZoneId;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

class EventLineTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final EventLine utc = new EventLine(ZoneOffset.UTC);

    private static JsonNode json(String s) throws Exception { return JSON.readTree(s); }

    @Test
    void showsTimeDeviceTypeAndTheEventsOwnFieldsWithoutTheEnvelope() throws Exception {
        JsonNode e = json("""
                {"id":"edge-1-42","seq":42,"ts":"2026-11-25T10:15:30.123Z","device":"line-1","type":"bag-inducted",
                 "bag":"B-1","order":"O-1","station":"pick-1","cmdId":"ctl-7"}""");
        assertThat(utc.format("event/line-1/bag-inducted", e))
                .isEqualTo("10:15:30.123  line-1     bag-inducted       bag=B-1 order=O-1 station=pick-1 cmdId=ctl-7");
    }

    @Test
    void theTimeIsShownInTheGivenZone() throws Exception {
        JsonNode e = json("{\"ts\":\"2026-11-25T10:15:30.123Z\",\"device\":\"line-1\",\"type\":\"started\"}");
        assertThat(new EventLine(ZoneId.of("Asia/Shanghai")).format("event/line-1/started", e))
                .isEqualTo("18:15:30.123  line-1     started");
    }

    @Test
    void textWithSpacesListsAndObjectsAreJsonNumbersAndBooleansBare() throws Exception {
        JsonNode e = json("""
                {"ts":"2026-11-25T10:15:30.000Z","device":"line-1","type":"order-incomplete",
                 "order":"O 7","missing":["B-1","B-2"],"active":true,"grams":1200.5,"detail":{"zone":"z1"}}""");
        assertThat(utc.format("event/line-1/order-incomplete", e))
                .isEqualTo("10:15:30.000  line-1     order-incomplete   order=\"O 7\" missing=[\"B-1\",\"B-2\"] active=true grams=1200.5 detail={\"zone\":\"z1\"}");
    }

    @Test
    void theTopicNamesDeviceAndTypeWhenThePayloadDoesNot() {
        assertThat(utc.format("event/printer-1/printed", null))
                .isEqualTo("-             printer-1  printed            (payload is not JSON)");
    }

    @Test
    void aFilterMatchesDeviceTypeOrBoth() {
        assertThat(EventLine.matches(null, "event/line-1/jam")).isTrue();
        assertThat(EventLine.matches("line-1", "event/line-1/jam")).isTrue();
        assertThat(EventLine.matches("jam", "event/line-1/jam")).isTrue();
        assertThat(EventLine.matches("line-1/jam", "event/line-1/jam")).isTrue();
        assertThat(EventLine.matches("line-1/estop", "event/line-1/jam")).isFalse();
        assertThat(EventLine.matches("printer-1", "event/line-1/jam")).isFalse();
        assertThat(EventLine.matches("line", "event/line-1/jam")).as("no partial names").isFalse();
    }
}

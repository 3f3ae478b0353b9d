package org.conveyord.http;

import org.conveyord.config.LineConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the line page draws a line from, taken from its config: the zones with where each leads
 * ({@code next}: two zones leading into one make a merge), the pick stations and the zone each
 * hangs bags on, the sorter with its diverters, the lanes and the exception (run-out) lane. Served
 * at {@code GET /api/layout}; the live state then fills the picture in.
 */
final class LineLayout {
    private LineLayout() {}

    static Map<String, Object> of(LineConfig cfg) {
        Map<String, Object> m = new LinkedHashMap<>();
        List<Map<String, Object>> zones = new ArrayList<>();
        for (LineConfig.Zone z : cfg.zonesOrEmpty()) {
            Map<String, Object> zm = new LinkedHashMap<>();
            zm.put("id", z.id());
            zm.put("next", z.next());
            zm.put("lengthM", z.lengthMOrDefault());
            zm.put("eyeAtM", z.eyeAtMOrDefault());
            if (z.scale() != null) zm.put("scale", z.scale());
            zones.add(zm);
        }
        m.put("zones", zones);
        List<Map<String, Object>> stations = new ArrayList<>();
        for (LineConfig.Station s : cfg.stationsOrEmpty()) {
            Map<String, Object> sm = new LinkedHashMap<>();
            sm.put("id", s.id());
            sm.put("zone", s.zone());
            sm.put("scanner", s.scanner());
            stations.add(sm);
        }
        m.put("stations", stations);
        Map<String, Object> sorter = new LinkedHashMap<>();
        LineConfig.Sorter s = cfg.sorter();
        if (s != null) {
            sorter.put("lengthM", s.lengthMOrDefault());
            List<Map<String, Object>> diverters = new ArrayList<>();
            for (LineConfig.Diverter d : s.divertersOrEmpty()) {
                Map<String, Object> dm = new LinkedHashMap<>();
                dm.put("lane", d.lane());
                dm.put("atM", d.atM());
                diverters.add(dm);
            }
            sorter.put("diverters", diverters);
            sorter.put("runOutLane", s.runOutLaneOrDefault());
        }
        m.put("sorter", sorter);
        List<Map<String, Object>> lanes = new ArrayList<>();
        for (LineConfig.Lane l : cfg.lanesOrEmpty()) lanes.add(Map.of("id", l.id(), "capacity", l.capacityOrDefault()));
        m.put("lanes", lanes);
        if (cfg.printer() != null) m.put("printer", cfg.printer());
        return m;
    }
}

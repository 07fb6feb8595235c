// The recharts line charts of the health pages, in their own chunk (React.lazy): recharts is the
// heaviest dependency, and the first screen of a page renders its data without waiting for it.
import { CartesianGrid, Line, LineChart, ReferenceArea, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { LabPoint, Trend } from './types.ts';

const year = (time: number) => String(new Date(time).getFullYear());
const dayOf = (time: number) => new Date(time).toLocaleDateString();

/** A small trend (dashboard): the series' values over time; blood pressure draws two lines. */
export default function TrendChart({ trend }: { trend: Trend }) {
  const data = trend.points.map((point) => ({ time: Date.parse(point.date), value: point.value, value2: point.value2 }));
  const last = trend.points.at(-1);
  const label = `${trend.name} over time, ${trend.points.length} results; latest ${last ? `${last.value}${last.value2 !== undefined ? `/${last.value2}` : ''} ${trend.unit}` : 'none'}`;
  return (
    <div role="img" aria-label={label} data-chart={trend.key}>
      <ResponsiveContainer width="100%" height={140}>
        <LineChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--mantine-color-default-border)" />
          <XAxis dataKey="time" type="number" domain={['dataMin', 'dataMax']} scale="time" tickFormatter={year} fontSize={11} />
          <YAxis fontSize={11} domain={['auto', 'auto']} />
          <Tooltip labelFormatter={(time) => dayOf(Number(time))} />
          <Line type="monotone" dataKey="value" name={trend.key === 'bp' ? 'Systolic' : trend.name} stroke="var(--mantine-color-teal-8)" dot={false} isAnimationActive={false} />
          {trend.key === 'bp' && <Line type="monotone" dataKey="value2" name="Diastolic" stroke="var(--mantine-color-indigo-7)" dot={false} isAnimationActive={false} />}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

/** One lab test's results with the reference range shaded and flagged results marked (lab page). */
export function LabChart({ name, unit, points }: { name: string; unit: string; points: LabPoint[] }) {
  const data = points.filter((point) => point.date).map((point) => ({ time: Date.parse(point.date!), value: point.value, flag: point.flag }));
  const low = points.findLast((point) => point.low !== undefined)?.low;
  const high = points.findLast((point) => point.high !== undefined)?.high;
  const flagged = points.filter((point) => point.flag).length;
  const dense = data.length > 300;
  const label = `${name} in ${unit}: ${points.length} results, ${flagged} out of range${low !== undefined || high !== undefined ? `; reference range ${low ?? '…'}–${high ?? '…'}` : ''}`;
  return (
    <div role="img" aria-label={label} data-chart="lab">
      <ResponsiveContainer width="100%" height={220}>
        <LineChart data={data} margin={{ top: 8, right: 12, bottom: 0, left: -8 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--mantine-color-default-border)" />
          {(low !== undefined || high !== undefined) && <ReferenceArea y1={low} y2={high} fill="var(--mantine-color-teal-2)" fillOpacity={0.4} ifOverflow="extendDomain" />}
          <XAxis dataKey="time" type="number" domain={['dataMin', 'dataMax']} scale="time" tickFormatter={year} fontSize={11} />
          <YAxis fontSize={11} domain={['auto', 'auto']} />
          <Tooltip labelFormatter={(time) => dayOf(Number(time))} formatter={(value) => [`${String(value)} ${unit}`, name]} />
          <Line
            type="monotone"
            dataKey="value"
            stroke="var(--mantine-color-teal-8)"
            isAnimationActive={false}
            dot={(props: { cx?: number; cy?: number; index?: number; payload?: { flag?: string } }) =>
              // Past a few hundred results (all of a test on request) only flagged ones get a dot:
              // thousands of SVG circles are slow to draw and read as one thick line anyway.
              dense && !props.payload?.flag ? (
                <g key={props.index} />
              ) : (
                <circle key={props.index} cx={props.cx} cy={props.cy} r={props.payload?.flag ? 4 : 2.5} fill={props.payload?.flag ? 'var(--mantine-color-red-8)' : 'var(--mantine-color-teal-8)'} />
              )
            }
          />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

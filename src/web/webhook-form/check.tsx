// A checkbox with its label and a hint, as the form's other fields are laid out.
interface CheckProps {
  id: string;
  label: string;
  checked: boolean;
  hint: string;
  onValue: (checked: boolean) => void;
}

export function Check({ id, label, checked, hint, onValue }: CheckProps) {
  return (
    <div class="check">
      <input type="checkbox" id={id} checked={checked} onChange={(e) => onValue(e.currentTarget.checked)} aria-describedby={`${id}-hint`} />
      <label for={id}>{label}</label>
      <span class="muted small check-desc" id={`${id}-hint`}>{hint}</span>
    </div>
  );
}
